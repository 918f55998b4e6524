package org.jpo.sampling;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.jpo.model.Checkpoints;
import org.jpo.model.ModelConfig;
import org.jpo.model.Transformer;
import org.jpo.model.VectorLlama;
import org.jpo.testing.Shared;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

import static org.jpo.tensor.Tensors.*;
import static org.junit.jupiter.api.Assertions.*;

/** The Vector API decoder computes what the libtorch forward computes, and samples the same seeded rows. */
class VectorDecoderTest {
    static final int[] GOLDEN = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396,
            267, 337, 410, 408, 419, 292, 411, 322, 265, 282, 295, 433, 426, 385, 328, 432, 358, 394, 261, 370, 432, 352, 266,
            268, 388, 426, 338, 391, 266, 267, 337, 335, 312, 432, 398, 312, 286, 267, 414, 270, 333, 415, 426, 13, 438, 310};

    /** Odd widths (tails past the vector length), GQA, q/k/v and output biases, an untied head, Llama 3 rope scaling. */
    static ModelConfig odd() {
        return new ModelConfig(ModelConfig.Family.LLAMA, "qwen2", 37, 44, 2, 4, 2, 10, 53, 64, 1e-6, 500000,
                ModelConfig.RopeScaling.llama3(8, 1, 4, 16), false, true, true, "silu", OptionalInt.empty(), OptionalInt.empty());
    }

    /**
     * Both forwards round to float32 in different orders. On these logits (magnitudes up to 15) each is about 1e-5 from a
     * float64 forward (the Vector API one 1.0e-5, libtorch's 1.3e-5), so they agree to 1.5e-5, and the Vector API one is
     * never the less exact of the two.
     */
    @Test void logitsEqualTheLibtorchForwardOnStories260K() {
        try (Transformer m = Checkpoints.load(Shared.stories260K()); Transformer exact = Checkpoints.load(Shared.stories260K())) {
            float[][] vector = assertLogitsEqual(m, GOLDEN, 1.5e-5);
            exact.cast(org.bytedeco.pytorch.global.torch.ScalarType.Double);
            double[] f64 = torchLogits(exact, GOLDEN), f32 = torchLogits(m, GOLDEN);
            double vectorError = 0, torchError = 0;
            for (int i = 0; i < GOLDEN.length; i++) {
                for (int j = 0; j < 512; j++) {
                    vectorError = Math.max(vectorError, Math.abs(vector[i][j] - f64[i * 512 + j]));
                    torchError = Math.max(torchError, Math.abs(f32[i * 512 + j] - f64[i * 512 + j]));
                }
            }
            assertTrue(vectorError <= torchError, "vector " + vectorError + " vs libtorch " + torchError + " from float64");
        }
    }

    private static double[] torchLogits(Transformer m, int[] ids) {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            long[] l = Arrays.stream(ids).asLongStream().toArray();
            return toDoubles(m.logits(m.hidden(longs(l, 1, ids.length))).to(org.bytedeco.pytorch.global.torch.ScalarType.Double));   // [1,T,V]
        }
    }

    @Test void logitsEqualTheLibtorchForwardOnAnOddShape() {
        try (Transformer m = Transformer.random(odd(), 5)) {
            int[] ids = new int[40];
            for (int i = 0; i < ids.length; i++) ids[i] = (i * 7 + 3) % 37;
            assertLogitsEqual(m, ids, 2e-7);   // random init: logits near 0, so float32's absolute error is small
        }
    }

    /**
     * Every position's logits of {@code ids} from the Vector API decoder, once as one forward (a prefill) and once a token
     * at a time (decode steps), against libtorch's full causal forward.
     */
    static float[][] assertLogitsEqual(Transformer m, int[] ids, double tolerance) {
        int t = ids.length, v = m.config().vocabSize();
        double[] expected = torchLogits(m, ids);
        VectorLlama vector = m.vector().orElseThrow();
        VectorLlama.Workspace w = new VectorLlama.Workspace();
        float[][] together = new float[t][v], stepwise = new float[t][v];
        int[] pos = new int[t];
        for (int i = 0; i < t; i++) pos[i] = i;
        VectorLlama.Cache cache = vector.newCache(t);
        VectorLlama.Cache[] rows = new VectorLlama.Cache[t];
        Arrays.fill(rows, cache);
        vector.forward(ids, pos, rows, together, w);
        VectorLlama.Cache alone = vector.newCache(t);
        for (int i = 0; i < t; i++) {
            vector.forward(new int[] {ids[i]}, new int[] {i}, new VectorLlama.Cache[] {alone}, new float[][] {stepwise[i]}, w);
        }
        double worst = 0;
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < v; j++) {
                worst = Math.max(worst, Math.abs(together[i][j] - expected[i * v + j]));
                assertEquals(together[i][j], stepwise[i][j], "position " + i + " token " + j + ": prefill and decode steps differ");
            }
        }
        assertTrue(worst <= tolerance, "max |logit difference| " + worst + " > " + tolerance);
        return together;
    }

    @Test void greedyDecodingReproducesTheGoldenIds() {
        try (Transformer m = Checkpoints.load(Shared.stories260K())) {
            LocalSampler s = new LocalSampler(m, Set.of(), 4).with(LocalSampler.Decoder.VECTOR);
            Completion c = s.sample(List.of(new Prompt(0, new int[] {1})), new SamplingParams(1, 64, 1.0, 0, 1.0, true, 1)).get(0);
            assertArrayEquals(Arrays.copyOfRange(GOLDEN, 1, GOLDEN.length), c.tokenIds());
        }
    }

    /**
     * Seeded sampling with top-k and top-p: the same tokens and log-probs as the libtorch decoder, a row's tokens independent
     * of its batch, prompts of different lengths sharing steps.
     */
    @Test void samplesMatchTheLibtorchDecoderRowForRow() {
        try (Transformer m = Checkpoints.load(Shared.stories260K())) {
            List<Prompt> prompts = List.of(new Prompt(0, new int[] {1}), new Prompt(1, new int[] {1, 403, 407, 261, 378}),
                    new Prompt(2, new int[] {1, 432, 383}));
            for (SamplingParams p : List.of(new SamplingParams(6, 40, 1.0, 0, 1.0, false, 11),
                    new SamplingParams(4, 30, 0.8, 20, 0.9, false, 12))) {
                var torch = new LocalSampler(m, Set.of(2), 64).with(LocalSampler.Decoder.TORCH).sample(prompts, p);
                var vector = new LocalSampler(m, Set.of(2), 64).with(LocalSampler.Decoder.VECTOR).sample(prompts, p);
                var oneAtATime = new LocalSampler(m, Set.of(2), 1).with(LocalSampler.Decoder.VECTOR).sample(prompts, p);
                assertEquals(torch.size(), vector.size());
                for (int i = 0; i < torch.size(); i++) {
                    assertArrayEquals(torch.get(i).tokenIds(), vector.get(i).tokenIds(), "row " + i);
                    assertArrayEquals(vector.get(i).tokenIds(), oneAtATime.get(i).tokenIds(), "row " + i);
                    assertEquals(torch.get(i).finish(), vector.get(i).finish());
                    double[] a = torch.get(i).tokenLogps(), b = vector.get(i).tokenLogps();
                    for (int j = 0; j < a.length; j++) assertEquals(a[j], b[j], 2e-5, "row " + i + " token " + j);
                }
            }
        }
    }

    @Test void refusesWhatItCannotRun() {
        try (Transformer gpt2 = Transformer.random(ModelConfig.gpt2(16, 16, 1, 2, 32), 1)) {
            var e = assertThrows(org.jpo.UserError.class, () -> new LocalSampler(gpt2, Set.of(), 1).with(LocalSampler.Decoder.VECTOR));
            assertTrue(e.getMessage().contains("Llama family"), e.getMessage());
            assertTrue(gpt2.vector().isEmpty());
        }
    }

    /** Training changes the weights in place; the decoder's copy must follow. */
    @Test void theCopyFollowsInPlaceUpdates() {
        try (Transformer m = Transformer.random(odd(), 6)) {
            int[] ids = {1, 2, 3};
            float[] before = lastLogits(m, ids);
            try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                m.parameters().get("model.norm.weight").mul_(s(2));
            }
            float[] after = lastLogits(m, ids);
            assertFalse(Arrays.equals(before, after));
            assertLogitsEqual(m, ids, 2e-7);
        }
    }

    private static float[] lastLogits(Transformer m, int[] ids) {
        VectorLlama v = m.vector().orElseThrow();
        float[][] out = new float[ids.length][];
        out[ids.length - 1] = new float[m.config().vocabSize()];
        int[] pos = {0, 1, 2};
        VectorLlama.Cache c = v.newCache(ids.length);
        v.forward(ids, pos, new VectorLlama.Cache[] {c, c, c}, out, new VectorLlama.Workspace());
        return out[ids.length - 1];
    }

}
