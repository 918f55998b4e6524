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

    /**
     * While open, libtorch's intra-op pool is one thread and OpenBLAS's keeps its size: the fp32 training step's
     * setting ({@code bf16} changes nothing, since libtorch's own bf16 matmuls run on the intra-op pool). After each
     * GEMM, OpenBLAS's idle workers spin for up to 2^28 cycles waiting for the next one, and libtorch's OpenMP
     * workers, which run the elementwise ops between GEMMs, share the cores with them: perf of a 2-thread DPO step
     * put 19% of its samples in OpenBLAS's wait loop and hand-off. Shorter OpenBLAS timeouts made the step slower
     * (2^20 cycles: −20%); one intra-op thread made it faster ({@code jpo bench train} at 2 threads, median of paired
     * steps against PyTorch: 0.94 → 1.05 Llama, 0.94 → 1.08 GPT-2). Closing restores the intra-op pool.
     */
    public static Pools trainingThreads(boolean bf16) {
        load();
        return new Pools(bf16 || blasThreads() == 1 ? torch.get_num_threads() : 1, blasThreads());
    }

    /**
     * While open, both pools are one thread: the setting of decode workers that each run their own rows on their own
     * core ({@code LocalSampler}). A decode step is hundreds of small ops whose cost is per call, not arithmetic, so a
     * second intra-op thread barely helps one step (stories260K, 256 rows: 11.4k tok/s at 1 thread, 11–12k at 2),
     * and two workers' GEMMs must not share OpenBLAS's pool. Closing restores both.
     */
    public static Pools decodeWorkerThreads() {
        load();
        return new Pools(1, 1);
    }

    /** Pool sizes set for a while; closing restores the sizes found when it was opened. */
    public static final class Pools implements AutoCloseable {
        private final int torchBefore = torch.get_num_threads(), blasBefore = blasThreads();

        private Pools(int intraOp, int blas) {
            torch.set_num_threads(intraOp);
            openblas_full.openblas_set_num_threads(blas);
        }

        @Override public void close() {
            torch.set_num_threads(torchBefore);
            openblas_full.openblas_set_num_threads(blasBefore);
        }
    }

    /** The OpenBLAS pool size in effect. */
    public static int blasThreads() {
        load();
        return openblas_full.openblas_get_num_threads();
    }
}
