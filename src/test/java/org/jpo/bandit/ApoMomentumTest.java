package org.jpo.bandit;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.*;

class ApoMomentumTest {
    private static final ApoMomentum.Result RESULT = ApoMomentum.run(0);
    /** The check is stochastic: it must hold at each of five seeds (seeds 0–29 all give 6 rounds against 5, measured). */
    private static final List<ApoMomentum.Result> RESULTS = LongStream.range(0, 5).mapToObj(ApoMomentum::run).toList();

    /** log π̃ = log π_t + α(log π_t − log π_{t−1}), renormalized: (½,½) after (¾,¼) with α = 1 is ∝ (½·⅔, ½·2). */
    @Test void extrapolationByHand() {
        double[] now = Probabilities.log(new double[] {0.5, 0.5}), prev = Probabilities.log(new double[] {0.75, 0.25});
        double[] ref = ApoMomentum.extrapolate(now, prev, 1);
        assertArrayEquals(Probabilities.log(new double[] {0.25, 0.75}), ref, 1e-12);
        assertArrayEquals(now, ApoMomentum.extrapolate(now, prev, 0), 1e-12);
    }

    @Test void momentumReachesNinetyNinePercentInFewerRounds() {
        for (ApoMomentum.Result result : RESULTS) {
            ApoMomentum.Trace plain = result.traces().get(0), momentum = result.traces().get(1);
            String seed = "seed " + result.seed();
            assertEquals(0.0, plain.alpha());
            assertEquals(0.3, momentum.alpha());
            assertEquals(6, plain.roundsToTarget(), seed);
            assertEquals(5, momentum.roundsToTarget(), seed);
            assertTrue(plain.expectedReward()[5] < 0.99 * 4 && momentum.expectedReward()[5] >= 0.99 * 4, seed);
            assertTrue(result.passed(), seed);
        }
    }

    /** Round 1 has no previous policy to extrapolate from, and both α use the same random streams. */
    @Test void firstRoundIsTheSameForBothAlphas() {
        assertEquals(2.0, RESULT.traces().get(0).expectedReward()[0], 1e-12);
        assertEquals(RESULT.traces().get(0).expectedReward()[1], RESULT.traces().get(1).expectedReward()[1], 0);
        assertNotEquals(RESULT.traces().get(0).expectedReward()[2], RESULT.traces().get(1).expectedReward()[2]);
    }
}
