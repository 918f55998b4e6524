package org.jpo.tensor;

import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class NativesTest {
    /** Runs {@code body} with both pools at {@code n} threads, then puts the pools back as they were (tests share the JVM). */
    private static void atThreads(int n, Runnable body) {
        Natives.load();
        int torchBefore = torch.get_num_threads(), blasBefore = Natives.blasThreads();
        try {
            Natives.threads(n);
            body.run();
        } finally {
            torch.set_num_threads(torchBefore);
            org.bytedeco.openblas.global.openblas_full.openblas_set_num_threads(blasBefore);
        }
    }

    @Test void anFp32StepLeavesTheCoresToOpenBlasAndClosingRestoresTheIntraOpPool() {
        atThreads(2, () -> {
            try (Natives.Pools t = Natives.trainingThreads(false)) {
                assertEquals(1, torch.get_num_threads());
                assertEquals(2, Natives.blasThreads());
            }
            assertEquals(2, torch.get_num_threads());
        });
    }

    @Test void aBf16StepKeepsTheIntraOpPoolThatRunsItsMatmuls() {
        atThreads(2, () -> {
            try (Natives.Pools t = Natives.trainingThreads(true)) {
                assertEquals(2, torch.get_num_threads());
            }
        });
    }
}
