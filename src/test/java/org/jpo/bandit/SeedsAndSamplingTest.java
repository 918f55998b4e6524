package org.jpo.bandit;

import org.jpo.Seeds;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class SeedsAndSamplingTest {
    @Test void streamsAreReproducibleAndDistinctPerPart() {
        assertEquals(Seeds.stream(7, "a", 1, 2).nextLong(), Seeds.stream(7, "a", 1, 2).nextLong());
        long base = Seeds.stream(7, "a", 1, 2).nextLong();
        assertNotEquals(base, Seeds.stream(8, "a", 1, 2).nextLong());
        assertNotEquals(base, Seeds.stream(7, "b", 1, 2).nextLong());
        assertNotEquals(base, Seeds.stream(7, "a", 2, 2).nextLong());
        assertNotEquals(base, Seeds.stream(7, "a", 1, 3).nextLong());
        assertNotEquals(Seeds.stream(7, "a", 1, 2).nextLong(), Seeds.stream(7, "a", 2, 1).nextLong());
    }

    @Test void samplingFollowsTheDistributionAndHonoursTheExclusion() {
        double[] p = {0.5, 0.3, 0.2};
        int n = 40_000;
        int[] counts = new int[3], others = new int[3];
        SplittableRandom rng = Seeds.stream(0, "test", 0, 0);
        for (int i = 0; i < n; i++) {
            counts[Probabilities.sample(p, rng)]++;
            others[Probabilities.sampleExcept(p, 0, rng)]++;
        }
        for (int y = 0; y < 3; y++) assertEquals(p[y], counts[y] / (double) n, 0.01);
        assertEquals(0, others[0]);
        assertEquals(0.6, others[1] / (double) n, 0.01);   // 0.3 / (0.3 + 0.2)
    }

    /** Two actions with r = (1, 0): the first is chosen with probability σ(1) ≈ 0.731. */
    @Test void bradleyTerryLabelsHaveTheModelsWinRate() {
        Pairs pairs = new PreferenceOracle(new double[] {1, 0}).sample(new double[] {0.5, 0.5}, 20_000, 3, "bt", 0);
        long firstWins = java.util.Arrays.stream(pairs.chosen()).filter(c -> c == 0).count();
        assertEquals(Probabilities.sigmoid(1), firstWins / 20_000.0, 0.01);
        for (int i = 0; i < pairs.size(); i++) assertNotEquals(pairs.chosen()[i], pairs.rejected()[i]);
        Pairs again = new PreferenceOracle(new double[] {1, 0}).sample(new double[] {0.5, 0.5}, 20_000, 3, "bt", 0);
        assertArrayEquals(pairs.chosen(), again.chosen());
    }

    @Test void distributionHelpers() {
        assertEquals(Math.log(2), Probabilities.kl(new double[] {1, 0}, new double[] {0.5, 0.5}), 1e-15);
        assertArrayEquals(new double[] {Math.log(0.25), Math.log(0.75)},
                Probabilities.logNormalize(new double[] {0, Math.log(3)}), 1e-15);
        assertEquals(2.3, Probabilities.expectation(new double[] {0.7, 0.3}, new double[] {2, 3}), 1e-15);
    }
}
