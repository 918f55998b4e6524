package org.jpo.tensor;

import org.bytedeco.javacpp.Loader;
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

    /** Sets libtorch's intra-op thread count (the CLI's {@code --threads}). */
    public static void threads(int n) {
        if (n < 1) throw new IllegalArgumentException("threads must be >= 1, got " + n);
        load();
        torch.set_num_threads(n);
    }
}
