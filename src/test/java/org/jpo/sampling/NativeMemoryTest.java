package org.jpo.sampling;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.jpo.model.Checkpoints;
import org.jpo.model.LogProbs;
import org.jpo.model.SequenceBatch;
import org.jpo.model.Transformer;
import org.jpo.testing.Shared;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Generation and log-prob batches release their native memory: RSS stays flat over 200 batches.
 *
 * <p>RSS is read after a GC: each batch leaves ~1.5 MB of tiny Java handles that the JVM happily lets the
 * heap grow by before collecting, and that heap growth would otherwise mask (or fake) a native trend.
 * Without the per-call PointerScope this test fails (each logprob batch alone leaves a 1 MB logits tensor).
 */
class NativeMemoryTest {
    static long rssKb() throws Exception {
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("[^0-9]", ""));
        }
        throw new IllegalStateException("no VmRSS");
    }

    static long rssAfterGc() throws Exception {
        System.gc();
        return rssKb();
    }

    @Test void rssIsStableOver200GenerateAndLogprobBatches() throws Exception {
        try (Transformer m = Checkpoints.load(Shared.stories260K())) {
            var sampler = new LocalSampler(m, Set.of(1, 2), 16);
            SplittableRandom rng = new SplittableRandom(1);
            long warm = 0;
            List<Long> trace = new ArrayList<>();
            for (int batch = 0; batch < 200; batch++) {
                if (batch % 2 == 0) {
                    List<Prompt> prompts = new ArrayList<>();
                    for (int i = 0; i < 3; i++) prompts.add(new Prompt(batch * 3 + i, new int[] {1, 403 + i}));
                    var out = sampler.sample(prompts, new SamplingParams(2, 16, 1.0, 0, 1.0, false, batch));
                    assertEquals(6, out.size());
                } else {
                    try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                        List<int[]> prompts = new ArrayList<>(), completions = new ArrayList<>();
                        for (int i = 0; i < 8; i++) {
                            prompts.add(new int[] {1});
                            completions.add(rng.ints(64, 3, 512).toArray());
                        }
                        LogProbs.of(m, SequenceBatch.of(prompts, completions, 0));
                    }
                }
                if (batch == 40) warm = rssAfterGc();
                if (batch % 20 == 19) trace.add(rssAfterGc());
            }
            long end = rssAfterGc();
            assertTrue(end <= warm * 1.10, "RSS grew from " + warm + " kB (batch 40) to " + end + " kB (batch 200); trace " + trace);
        }
    }
}
