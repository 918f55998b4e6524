package org.jpo.bandit;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.*;

class KlOptimumTest {
    private static final KlOptimum.Result RESULT = KlOptimum.run(0);
    /** The check is stochastic: it must hold at each of five seeds (seeds 0–29 end at 0.0027 at most, measured). */
    private static final List<KlOptimum.Result> RESULTS = LongStream.range(0, 5).mapToObj(KlOptimum::run).toList();

    /** π* ∝ π_ref·exp(r/β), computed here from the numbers in the class Javadoc. */
    @Test void optimumIsReferenceTiltedByReward() {
        double[] ref = {0.05, 0.10, 0.15, 0.30, 0.40}, r = {1, 0.5, 0, -0.5, -1};
        double[] w = new double[5];
        double z = 0;
        for (int y = 0; y < 5; y++) z += w[y] = ref[y] * Math.exp(r[y] / 0.5);
        for (int y = 0; y < 5; y++) assertEquals(w[y] / z, KlOptimum.optimum()[y], 1e-12);
        assertEquals(0.38654629, KlOptimum.optimum()[0], 1e-8);
    }

    @Test void klFallsBelowOneHundredthFromTheReference() {
        for (KlOptimum.Result result : RESULTS) {
            double[] kl = result.kl();
            String seed = "seed " + result.seed() + ": " + Arrays.toString(kl);
            assertEquals(KlOptimum.ROUNDS + 1, kl.length);
            assertEquals(Probabilities.kl(KlOptimum.optimum(), KlOptimum.REFERENCE), kl[0], 1e-12);
            assertEquals(0.873979, kl[0], 1e-6);
            assertTrue(kl[kl.length - 1] < 0.01, seed);
            assertTrue(kl[1] < kl[0] && kl[kl.length - 1] < kl[1], seed);
            assertTrue(result.passed(), seed);
        }
    }

    @Test void seedsReproduceAndDiffer() {
        assertArrayEquals(RESULT.kl(), KlOptimum.run(0).kl(), 0);
        assertNotEquals(RESULT.kl()[1], KlOptimum.run(1).kl()[1]);
    }
}
