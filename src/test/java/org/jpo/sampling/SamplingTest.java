package org.jpo.sampling;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.jpo.model.ModelConfig;
import org.jpo.model.Transformer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

import static org.jpo.tensor.Tensors.*;
import static org.junit.jupiter.api.Assertions.*;

/** The sampler's statistics and its seeding, on a tiny random model with peaked but non-degenerate logits. */
class SamplingTest {
    static final int V = 16;
    static final int[] CONTEXT = {3, 1, 4};
    static Transformer model;
    static double[] probs;   // softmax of the next-token logits after CONTEXT

    @BeforeAll static void model() {
        model = Transformer.random(ModelConfig.gpt2(V, 16, 1, 2, 32), 123);
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            // random init gives near-uniform logits; scaling the final norm scales the logits, so sharpen
            // until the most likely token has a quarter of the mass: peaked, but many tokens still likely
            long[] ids = Arrays.stream(CONTEXT).asLongStream().toArray();
            do {
                model.parameters().get("transformer.ln_f.weight").mul_(s(1.5));
                Tensor logits = model.logits(model.hidden(longs(ids, 1, ids.length))).select(1, ids.length - 1).select(0, 0);
                probs = toDoubles(logits.to(org.bytedeco.pytorch.global.torch.ScalarType.Double).softmax(0));
            } while (Arrays.stream(probs).max().orElseThrow() < 0.25);
        }
        double max = Arrays.stream(probs).max().orElseThrow();
        assertTrue(max < 0.6 && max > 1.5 / V, "test distribution should be neither flat nor degenerate: " + Arrays.toString(probs));
    }

    @AfterAll static void free() { model.close(); }

    private static int[] counts(SamplingParams p) {
        var out = new LocalSampler(model, Set.of(), 500).sample(List.of(new Prompt(0, CONTEXT)), p);
        int[] c = new int[V];
        for (Completion x : out) c[x.tokenIds()[0]]++;
        return c;
    }

    /** Pearson's statistic with bins of expected count below 5 pooled; returns {statistic, degrees of freedom}. */
    private static double[] chiSquare(int[] observed, double[] p, int n) {
        double stat = 0, pooledO = 0, pooledE = 0;
        int bins = 0;
        for (int i = 0; i < p.length; i++) {
            double e = n * p[i];
            if (e < 5) { pooledO += observed[i]; pooledE += e; continue; }
            stat += (observed[i] - e) * (observed[i] - e) / e;
            bins++;
        }
        if (pooledE > 0) { stat += (pooledO - pooledE) * (pooledO - pooledE) / Math.max(pooledE, 1e-9); bins++; }
        return new double[] {stat, bins - 1};
    }

    /** Upper α = 0.001 critical value (Wilson–Hilferty, z = 3.0902). */
    private static double critical(double df) {
        double a = 2 / (9 * df);
        return df * Math.pow(1 - a + 3.0902 * Math.sqrt(a), 3);
    }

    @Test void twoThousandSamplesFollowSoftmaxOfTheLogits() {
        int n = 2000;
        int[] c = counts(new SamplingParams(n, 1, 1.0, 0, 1.0, false, 42));
        assertEquals(n, Arrays.stream(c).sum());
        double[] chi = chiSquare(c, probs, n);
        assertTrue(chi[0] < critical(chi[1]), "chi2 " + chi[0] + " df " + chi[1] + " counts " + Arrays.toString(c));
        // the same test rejects a wrong distribution (temperature 2), so it can fail
        double[] flat = Arrays.stream(probs).map(Math::sqrt).toArray();
        double z = Arrays.stream(flat).sum();
        double[] wrong = Arrays.stream(flat).map(v -> v / z).toArray();
        double[] chiWrong = chiSquare(c, wrong, n);
        assertTrue(chiWrong[0] > critical(chiWrong[1]), "wrong distribution not rejected: " + chiWrong[0]);
    }

    @Test void topKNeverLeavesTheKMostLikelyTokens() {
        Integer[] order = IntStream.range(0, V).boxed().sorted((a, b) -> Double.compare(probs[b], probs[a])).toArray(Integer[]::new);
        Set<Integer> allowed = Set.of(order[0], order[1], order[2]);
        int[] c = counts(new SamplingParams(600, 1, 1.5, 3, 1.0, false, 5));
        for (int t = 0; t < V; t++) if (!allowed.contains(t)) assertEquals(0, c[t], "token " + t + " outside top-3");
        for (int t : allowed) assertTrue(c[t] > 0, "top-3 token " + t + " never drawn");
    }

    @Test void topPNeverLeavesTheNucleus() {
        Integer[] order = IntStream.range(0, V).boxed().sorted((a, b) -> Double.compare(probs[b], probs[a])).toArray(Integer[]::new);
        double mass = 0;
        List<Integer> nucleus = new ArrayList<>();
        for (int t : order) {
            if (mass >= 0.7) break;
            nucleus.add(t);
            mass += probs[t];
        }
        assertTrue(nucleus.size() >= 2 && nucleus.size() < V, "nucleus " + nucleus);
        int[] c = counts(new SamplingParams(600, 1, 1.0, 0, 0.7, false, 9));
        for (int t = 0; t < V; t++) if (!nucleus.contains(t)) assertEquals(0, c[t], "token " + t + " outside the 0.7 nucleus " + nucleus);
        for (int t : nucleus) assertTrue(c[t] > 0, "nucleus token " + t + " never drawn");
    }

    @Test void aSampleDependsOnItsSeedCoordinatesNotItsBatch() {
        List<Prompt> prompts = List.of(new Prompt(0, new int[] {1}), new Prompt(1, new int[] {2, 5, 7, 9}), new Prompt(2, new int[] {4, 4}));
        var params = new SamplingParams(3, 12, 1.0, 0, 1.0, false, 2024);
        var all = new LocalSampler(model, Set.of(), 9).sample(prompts, params);
        var oneByOne = new LocalSampler(model, Set.of(), 1).sample(prompts, params);
        var ofFour = new LocalSampler(model, Set.of(), 4).sample(prompts, params);
        var alone = new LocalSampler(model, Set.of(), 9).sample(List.of(prompts.get(1)), params);
        assertEquals(9, all.size());
        for (int i = 0; i < all.size(); i++) {
            assertArrayEquals(all.get(i).tokenIds(), oneByOne.get(i).tokenIds(), "row " + i);
            assertArrayEquals(all.get(i).tokenIds(), ofFour.get(i).tokenIds(), "row " + i);
        }
        for (int j = 0; j < 3; j++) assertArrayEquals(all.get(3 + j).tokenIds(), alone.get(j).tokenIds());
        // different samples of one prompt differ (independent streams), and another seed changes them
        assertFalse(Arrays.equals(all.get(0).tokenIds(), all.get(1).tokenIds()) && Arrays.equals(all.get(1).tokenIds(), all.get(2).tokenIds()));
        var reseeded = new LocalSampler(model, Set.of(), 9).sample(prompts, new SamplingParams(3, 12, 1.0, 0, 1.0, false, 2025));
        assertFalse(Arrays.equals(all.get(4).tokenIds(), reseeded.get(4).tokenIds()) && Arrays.equals(all.get(0).tokenIds(), reseeded.get(0).tokenIds()));
    }

    @Test void stopTokenEndsTheSampleAndIsKept() {
        int stop = Arrays.stream(IntStream.range(0, V).toArray()).boxed().max((a, b) -> Double.compare(probs[a], probs[b])).orElseThrow();
        var out = new LocalSampler(model, Set.of(stop), 8).sample(List.of(new Prompt(0, CONTEXT)), SamplingParams.greedy(10)).get(0);
        assertEquals(FinishReason.STOP, out.finish());
        assertArrayEquals(new int[] {stop}, out.tokenIds());
        var capped = new LocalSampler(model, Set.of(), 8).sample(List.of(new Prompt(0, CONTEXT)), SamplingParams.greedy(10)).get(0);
        assertEquals(FinishReason.LENGTH, capped.finish());
        assertEquals(10, capped.tokenIds().length);
    }
}
