package org.jpo.train;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.jpo.data.Example;
import org.jpo.data.PairExample;
import org.jpo.loss.Hinge;
import org.jpo.loss.Ipo;
import org.jpo.loss.PreferenceLoss;
import org.jpo.loss.ReferencedLoss;
import org.jpo.loss.Sigmoid;
import org.jpo.loss.Simpo;
import org.jpo.model.ModelConfig;
import org.jpo.model.Transformer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.SplittableRandom;

import static org.jpo.tensor.Tensors.toFloats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Prefix sharing (one packed row per pair) and chunked log-probs (the two-pass head backward) give the plain
 * concatenated forward's loss, metrics and gradient of every parameter, on tiny random Llama (grouped-query
 * attention) and GPT-2 models, pairs of uneven prompt / chosen / rejected lengths (so rows are padded), and
 * losses that read sums, lengths (SimPO), LD-DPO's token order and WPO's weights.
 */
class PrefixSharingTest {
    static final ModelConfig LLAMA = ModelConfig.llama(61, 32, 2, 4, 2, 48, 64);
    static final ModelConfig GPT2 = ModelConfig.gpt2(61, 32, 2, 4, 64);
    /** Measured max |difference| 9.5e-7 (a log-prob sum near −20 in float32); the bar is 1e-5. */
    static final double TOL = 1e-5;

    /** Prompt, chosen and rejected lengths that differ within and across pairs. */
    static List<PairExample> pairs(long seed) {
        int[][] lens = {{3, 4, 2}, {7, 1, 5}, {1, 6, 3}, {5, 2, 6}};
        SplittableRandom rng = new SplittableRandom(seed);
        List<PairExample> out = new ArrayList<>();
        for (int[] l : lens) {
            out.add(new PairExample("t", rng.ints(l[0], 1, 61).toArray(), rng.ints(l[1], 1, 61).toArray(),
                    rng.ints(l[2], 1, 61).toArray(), OptionalDouble.empty(), Optional.empty()));
        }
        return out;
    }

    record Outcome(double loss, Map<String, Double> metrics, Map<String, float[]> grads) {}

    /** One training micro-batch: loss, metrics, then backward through the step as the trainer does it. */
    static Outcome step(ModelConfig config, PreferenceLoss loss, DpoObjective.Modifiers mods, List<PairExample> pairs, boolean live) {
        try (PointerScope scope = new PointerScope()) {
            Transformer policy = Transformer.random(config, 5);
            DpoObjective.Reference ref = !(loss instanceof ReferencedLoss) ? new DpoObjective.None()
                    : live ? new DpoObjective.Live(Transformer.random(config, 6), 0.5, 1) : new DpoObjective.Cached(cached(pairs));
            DpoObjective objective = new DpoObjective(policy, loss, ref, mods);
            Objective.Step s = objective.train(pairs);
            s.backward(1);
            Map<String, float[]> grads = new LinkedHashMap<>();
            for (var e : policy.parameters().entrySet()) grads.put(e.getKey(), toFloats(e.getValue().grad()));
            Outcome o = new Outcome(s.loss().item_double(), s.metrics(), grads);
            objective.close();
            return o;
        }
    }

    static Map<Example, double[]> cached(List<PairExample> pairs) {
        Map<Example, double[]> m = new IdentityHashMap<>();
        for (int i = 0; i < pairs.size(); i++) m.put(pairs.get(i), new double[] {-20.0 - i, -21.5 + i});
        return m;
    }

    /**
     * Max |a − b| / max(1, |a|) over loss, every metric and every gradient entry: absolute for values up to 1, relative
     * above (IPO's metrics and gradients exceed 1, and float32 rounds them in proportion).
     */
    static double maxDiff(Outcome a, Outcome b) {
        double d = diff(a.loss(), b.loss());
        assertEquals(a.metrics().keySet(), b.metrics().keySet());
        for (String k : a.metrics().keySet()) d = Math.max(d, diff(a.metrics().get(k), b.metrics().get(k)));
        for (String k : a.grads().keySet()) {
            float[] x = a.grads().get(k), y = b.grads().get(k);
            assertEquals(x.length, y.length, k);
            for (int i = 0; i < x.length; i++) d = Math.max(d, diff(x[i], y[i]));
        }
        return d;
    }

    private static double diff(double a, double b) { return Math.abs(a - b) / Math.max(1, Math.abs(a)); }

    static DpoObjective.Modifiers mods(double ldAlpha, boolean wpo, boolean shared, int chunk) {
        return new DpoObjective.Modifiers(ldAlpha, wpo, false, false, shared, chunk);
    }

    /** Shared prefix and chunked head, alone and together, against the plain concatenated forward. */
    void assertEqualToPlain(ModelConfig config, PreferenceLoss loss, double ldAlpha, boolean wpo, boolean live) {
        List<PairExample> pairs = pairs(11);
        Outcome plain = step(config, loss, mods(ldAlpha, wpo, false, 0), pairs, live);
        assertTrue(plain.grads().values().stream().allMatch(g -> g.length > 0), "every parameter has a gradient");
        for (var m : List.of(mods(ldAlpha, wpo, true, 0), mods(ldAlpha, wpo, false, 3), mods(ldAlpha, wpo, true, 5))) {
            double d = maxDiff(plain, step(config, loss, m, pairs, live));
            assertTrue(d < TOL, config.modelType() + " " + loss.name() + " " + m + ": max difference (relative above 1) " + d);
        }
    }

    @Test void sigmoidWithCachedReference() {
        assertEqualToPlain(LLAMA, new Sigmoid(0.5), 1, false, false);
        assertEqualToPlain(GPT2, new Sigmoid(0.5), 1, false, false);
    }

    @Test void simpoReadsLengths() {
        assertEqualToPlain(LLAMA, new Simpo(2.0, 0.5), 1, false, false);
        assertEqualToPlain(GPT2, new Simpo(2.0, 0.5), 1, false, false);
    }

    @Test void ldDpoAndWpo() {
        assertEqualToPlain(LLAMA, new Ipo(0.3, false), 0.5, true, false);
        assertEqualToPlain(GPT2, new Hinge(0.3), 0.5, true, false);
    }

    /** TR-DPO's live reference goes through the same packed rows. */
    @Test void liveReference() {
        assertEqualToPlain(LLAMA, new Sigmoid(0.5), 1, false, true);
        assertEqualToPlain(GPT2, new Ipo(0.3, true), 1, false, true);
    }

    /** The reference precompute gives the plain forward's sums with sharing and chunking. */
    @Test void referenceLogps(@TempDir Path dir) {
        List<PairExample> pairs = pairs(12);
        for (ModelConfig config : List.of(LLAMA, GPT2)) {
            try (Transformer ref = Transformer.random(config, 8)) {
                var plain = ReferenceLogps.pairs(dir.resolve(config.modelType() + "-plain"), ref, "x", pairs, 3, mods(0.5, false, false, 0), DataParallel.SINGLE);
                var shared = ReferenceLogps.pairs(dir.resolve(config.modelType() + "-shared"), ref, "x", pairs, 3, mods(0.5, false, true, 2), DataParallel.SINGLE);
                assertTrue(!plain.hit() && !shared.hit());
                for (PairExample e : pairs) {
                    double[] a = plain.values().get(e), b = shared.values().get(e);
                    assertTrue(Math.abs(a[0] - b[0]) < TOL && Math.abs(a[1] - b[1]) < TOL,
                            config.modelType() + ": " + java.util.Arrays.toString(a) + " vs " + java.util.Arrays.toString(b));
                }
            }
        }
    }
}
