package org.jpo.tensor;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_full;
import org.bytedeco.pytorch.global.torch;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Loads libtorch once per process.
 *
 * <p>The natives are extracted to JavaCPP's cache before the first {@code dlopen}: otherwise libtorch.so
 * is loaded before libtorch_cpu.so has been extracted, and the dynamic linker may pick up a system
 * libtorch (research/libtorch-javacpp REPORT §1: SIGSEGV on a cold start). HF tokenizers are put
 * offline here too, before any DJL class loads.
 */
public final class Natives {
    private static volatile boolean loaded;

    private Natives() {}

    /** Extracts and loads libtorch if not done yet; uses every core unless {@link #threads} says otherwise. */
    public static synchronized void load() {
        if (loaded) return;
        System.setProperty("ai.djl.offline", "true");
        try {
            Loader.cacheResources("/org/bytedeco/pytorch/" + Loader.getPlatform() + "/");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract the libtorch natives to the JavaCPP cache", e);
        }
        torch.set_num_threads(Runtime.getRuntime().availableProcessors());
        loaded = true;
    }

    /**
     * Sets the thread count of both pools a CPU step uses (the CLI's {@code --threads}): libtorch's OpenMP
     * intra-op pool and OpenBLAS's own pthread pool, which runs every fp32 GEMM. OpenBLAS's pool ignores
     * {@code OMP_WAIT_POLICY}; on a machine where other work holds a core, each GEMM then waits for a
     * scheduler slice (measured here: a 45 MFLOP linear took 8 ms with 2 OpenBLAS threads and one busy
     * core, 0.5 ms with 1). libtorch loads {@code libopenblas.so.0} by soname, so the OpenBLAS presets'
     * call reaches the same library instance.
     */
    public static void threads(int n) {
        if (n < 1) throw new IllegalArgumentException("threads must be >= 1, got " + n);
        load();
        torch.set_num_threads(n);
        openblas_full.openblas_set_num_threads(n);
    }

    /** The OpenBLAS pool size in effect. */
    public static int blasThreads() {
        load();
        return openblas_full.openblas_get_num_threads();
    }
}
