package org.jpo.model;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.Optional;

/**
 * A {@link Transformer}'s weights copied for {@link VectorLlama}, refreshed when they change. Training updates the
 * weights in place, which bumps each tensor's version counter; a replaced tensor has a new address. Shared by a model's
 * {@link Transformer#borrowed} handles, like the weights.
 */
final class VectorCopy {
    /**
     * Largest model copied: past this libtorch's per-call cost is small next to reading the weights, and the copy
     * would double their memory on the heap.
     */
    static final long MAX_PARAMETERS = 64L << 20;

    private VectorLlama copy;
    private long[] seen;   // address and version of each weight when copied

    /** The copy of these weights, or empty when the Vector API cannot run this model fast (see {@link #why}). */
    synchronized Optional<VectorLlama> get(ModelConfig c, Map<String, Tensor> params, Tensor invFreq, Tensor localInvFreq, boolean adapters) {
        if (why(c, params, adapters).isPresent()) return Optional.empty();
        long[] now = new long[2 * params.size()];
        int i = 0;
        for (Tensor t : params.values()) {
            now[i++] = t.data_ptr().address();
            now[i++] = t._version();
        }
        if (copy == null || !java.util.Arrays.equals(now, seen)) {
            copy = new VectorLlama(c, name -> floatsOf(params.get(name)), floatsOf(invFreq),
                    localInvFreq.numel() > 0 ? floatsOf(localInvFreq) : new float[0]);
            seen = now;
        }
        return Optional.of(copy);
    }

    /** Why this model decodes on libtorch instead; empty when the Vector API path runs it. */
    static Optional<String> why(ModelConfig c, Map<String, Tensor> params, boolean adapters) {
        if (!VECTOR_MODULE) return Optional.of("the JVM was started without --add-modules jdk.incubator.vector");
        if (!C2) return Optional.of("the JVM runs without its optimizing compiler (C2), which the Vector API needs");
        if (c.family() != ModelConfig.Family.LLAMA) return Optional.of("the Vector API decoder covers the Llama family only");
        if (adapters) return Optional.of("the model carries active LoRA adapters");
        long total = 0;
        for (Tensor t : params.values()) {
            if (t.scalar_type().intern() != torch.ScalarType.Float) return Optional.of("the weights are not float32");
            total += t.numel();
        }
        if (total > MAX_PARAMETERS) return Optional.of("the model has more than " + MAX_PARAMETERS + " parameters");
        return Optional.empty();
    }

    private static float[] floatsOf(Tensor t) {
        try (PointerScope scope = new PointerScope()) {
            Tensor c = t.detach().contiguous();
            float[] out = new float[Math.toIntExact(c.numel())];
            new FloatPointer(c.data_ptr()).capacity(out.length).get(out);
            return out;
        }
    }

    private static final boolean VECTOR_MODULE = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    /** True unless the JVM interprets only or stops at C1 (e.g. -XX:TieredStopAtLevel=1): the Vector API is 100× slower then. */
    private static final boolean C2 = c2();

    private static boolean c2() {
        if (System.getProperty("java.vm.info", "").contains("interpreted")) return false;
        try {
            var hotspot = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            boolean tiered = Boolean.parseBoolean(hotspot.getVMOption("TieredCompilation").getValue());
            return !tiered || Integer.parseInt(hotspot.getVMOption("TieredStopAtLevel").getValue()) >= 4;
        } catch (RuntimeException | LinkageError e) {
            return true;   // not HotSpot: assume an optimizing JIT
        }
    }
}
