package org.jpo.sampling;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.jpo.model.ModelConfig;
import org.jpo.model.Transformer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.jpo.tensor.Tensors.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Nash-MD's mixture sampler on two tiny random models of one vocabulary, sharpened so that their next-token distributions
 * p and q are peaked and far apart: the empirical distribution of many one-token draws is the normalized geometric
 * mixture p^{1−β}·q^β / Z (and, with a temperature, that mixture's tempered softmax); β = 0 is the policy's sampler and
 * β = 1 the reference's, token for token; and the reference's KV cache follows the policy's, so every recorded log-prob
 * of a long completion is the mixture's of a full forward of both models over its prefix.
 */
class MixtureSamplingTest {
    static final int V = 16;
    static final int[] CONTEXT = {3, 1, 4};
    static Transformer policy, reference;
    static double[] p, q;   // next-token distributions after CONTEXT

    @BeforeAll static void models() {
        policy = Transformer.random(ModelConfig.gpt2(V, 16, 1, 2, 32), 123);
        reference = Transformer.random(ModelConfig.gpt2(V, 16, 1, 2, 32), 456);
        p = sharpen(policy);
        q = sharpen(reference);
    }

    @AfterAll static void free() {
        policy.close();
        reference.close();
    }

    /** Scales the final norm (so the logits) until the likeliest token after CONTEXT has a third of the mass; the distribution. */
    static double[] sharpen(Transformer m) {
        double[] probs;
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            do {
                m.parameters().get("transformer.ln_f.weight").mul_(s(1.5));
                probs = Arrays.stream(nextLogps(m, CONTEXT)).map(Math::exp).toArray();
            } while (Arrays.stream(probs).max().orElseThrow() < 0.33);
        }
        return probs;
    }

    /** log softmax of the next-token logits after {@code ids}, one full forward in doubles. */
    static double[] nextLogps(Transformer m, int[] ids) {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            Tensor logits = m.logits(m.hidden(longs(Arrays.stream(ids).asLongStream().toArray(), 1, ids.length))).select(1, ids.length - 1);
            return toDoubles(logits.select(0, 0).to(torch.ScalarType.Double).log_softmax(0));
        }
    }

    /** p^{(1−β)/T}·q^{β/T}, normalized. */
    static double[] geometric(double beta, double temperature) {
        double[] m = new double[V];
        for (int v = 0; v < V; v++) m[v] = Math.exp(((1 - beta) * Math.log(p[v]) + beta * Math.log(q[v])) / temperature);
        double z = Arrays.stream(m).sum();
        return Arrays.stream(m).map(x -> x / z).toArray();
    }

    static int[] counts(double beta, double temperature, int n) {
        var sampler = new LocalSampler(policy, Set.of(), n).mixedWith(new Mixture(reference, beta));
        int[] c = new int[V];
        for (Completion x : sampler.sample(List.of(new Prompt(0, CONTEXT)), new SamplingParams(n, 1, temperature, 0, 1.0, false, 7))) c[x.tokenIds()[0]]++;
        return c;
    }

    /** Pearson's statistic, bins of expected count below 5 pooled into one; {statistic, degrees of freedom}. */
    static double[] chiSquare(int[] observed, double[] m, int n) {
        double stat = 0, pooledO = 0, pooledE = 0;
        int bins = 0;
        for (int v = 0; v < V; v++) {
            double e = n * m[v];
            if (e < 5) { pooledO += observed[v]; pooledE += e; continue; }
            stat += (observed[v] - e) * (observed[v] - e) / e;
            bins++;
        }
        if (pooledE > 0) { stat += (pooledO - pooledE) * (pooledO - pooledE) / pooledE; bins++; }
        return new double[] {stat, bins - 1};
    }

    /**
     * The χ² critical value at α = 1e-6 (Wilson–Hilferty: χ²_k ≈ k·(1 − 2/(9k) + z·sqrt(2/(9k)))³, z = 4.7534 the standard
     * normal's upper 1e-6 point): a correct sampler fails this test once in a million runs.
     */
    static double critical(double df) {
        double a = 2 / (9 * df);
        return df * Math.pow(1 - a + 4.7534 * Math.sqrt(a), 3);
    }

    /** The draws fit {@code expected}, and reject each wrong candidate, so the test could have failed. */
    static void fits(int[] c, int n, double[] expected, List<double[]> wrong, String what) {
        assertEquals(n, Arrays.stream(c).sum());
        double[] chi = chiSquare(c, expected, n);
        assertTrue(chi[0] < critical(chi[1]), what + ": χ² " + chi[0] + " ≥ " + critical(chi[1]) + " (df " + chi[1] + "); counts "
                + Arrays.toString(c) + ", expected " + Arrays.toString(expected));
        for (double[] w : wrong) {
            double[] chiWrong = chiSquare(c, w, n);
            assertTrue(chiWrong[0] > critical(chiWrong[1]), what + ": a wrong distribution fits as well: " + Arrays.toString(w));
        }
    }

    static double[] arithmetic(double beta) {
        double[] m = new double[V];
        for (int v = 0; v < V; v++) m[v] = (1 - beta) * p[v] + beta * q[v];
        return m;
    }

    @Test void manyDrawsFollowTheNormalizedGeometricMixture() {
        int n = 20_000;
        double beta = 0.4;
        // wrong: the policy alone, the reference alone, the arithmetic mixture, the geometric one with β and 1 − β swapped
        fits(counts(beta, 1.0, n), n, geometric(beta, 1.0), List.of(p, q, arithmetic(beta), geometric(1 - beta, 1.0)), "β 0.4");
        // the temperature applies to the mixed logits: p^{(1−β)/T}·q^{β/T} / Z, not a mixture of tempered distributions
        fits(counts(0.5, 0.7, n), n, geometric(0.5, 0.7), List.of(geometric(0.5, 1.0)), "β 0.5, T 0.7");
    }

    @Test void betaZeroIsThePolicysSamplerAndOneTheReferences() {
        // uneven prompts and budgets, stop tokens: rows finish at different steps and the batch shrinks
        List<Prompt> prompts = List.of(new Prompt(0, new int[] {1}), new Prompt(1, new int[] {2, 5, 7, 9, 11}), new Prompt(2, new int[] {4, 4}));
        var params = new SamplingParams(4, 14, 0.9, 0, 1.0, false, 2024);
        Set<Integer> stops = Set.of(0, 6);
        var alone = new LocalSampler(policy, stops, 5).sample(prompts, params);
        var zero = new LocalSampler(policy, stops, 5).mixedWith(new Mixture(reference, 0)).sample(prompts, params);
        var theirs = new LocalSampler(reference, stops, 5).sample(prompts, params);
        var one = new LocalSampler(policy, stops, 5).mixedWith(new Mixture(reference, 1)).sample(prompts, params);
        boolean differ = false;
        for (int i = 0; i < alone.size(); i++) {
            assertArrayEquals(alone.get(i).tokenIds(), zero.get(i).tokenIds(), "β 0, row " + i);
            assertArrayEquals(alone.get(i).tokenLogps(), zero.get(i).tokenLogps(), "β 0, row " + i);
            assertArrayEquals(theirs.get(i).tokenIds(), one.get(i).tokenIds(), "β 1, row " + i);
            assertArrayEquals(theirs.get(i).tokenLogps(), one.get(i).tokenLogps(), "β 1, row " + i);
            differ |= !Arrays.equals(alone.get(i).tokenIds(), theirs.get(i).tokenIds());
        }
        assertTrue(differ, "the two models draw the same tokens: the check above could not tell them apart");
    }

    /** Every token of long mixture completions: its recorded log-prob is log softmax((1−β)·l_π + β·l_μ) of full forwards. */
    @Test void theReferenceDecodesInLockstepWithThePolicy() {
        double beta = 0.5;
        List<Prompt> prompts = List.of(new Prompt(0, new int[] {1, 3}), new Prompt(1, new int[] {2, 5, 7, 9, 11, 13}));
        var out = new LocalSampler(policy, Set.of(), 3).mixedWith(new Mixture(reference, beta))
                .sample(prompts, new SamplingParams(3, 20, 1.0, 0, 1.0, false, 11));
        double worst = 0;
        for (Completion c : out) {
            int[] prefix = prompts.get(c.promptIndex()).ids();
            for (int t = 0; t < c.tokenIds().length; t++) {
                double[] lp = nextLogps(policy, prefix), lq = nextLogps(reference, prefix);
                double[] mixed = new double[V];
                for (int v = 0; v < V; v++) mixed[v] = (1 - beta) * lp[v] + beta * lq[v];
                double z = Math.log(Arrays.stream(mixed).map(Math::exp).sum());
                worst = Math.max(worst, Math.abs(mixed[c.tokenIds()[t]] - z - c.tokenLogps()[t]));
                prefix = Arrays.copyOf(prefix, prefix.length + 1);
                prefix[prefix.length - 1] = c.tokenIds()[t];
            }
        }
        System.out.println("mixture: largest |recorded − full-forward mixture log-prob| " + worst);
        assertTrue(worst < 1e-4, "a mixture token's log-prob is off the full forwards' by " + worst);
    }

    @Test void aReferenceOfAnotherVocabularyIsRefused() {
        try (Transformer other = Transformer.random(ModelConfig.gpt2(V + 1, 16, 1, 2, 32), 1)) {
            var e = assertThrows(org.jpo.UserError.class, () -> new LocalSampler(policy, Set.of(), 4).mixedWith(new Mixture(other, 0.5)));
            assertTrue(e.getMessage().contains("17") && e.getMessage().contains("16"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new Mixture(reference, 1.5));
    }
}
