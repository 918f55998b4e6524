package org.jpo.bandit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class ApoMomentumTest {
    private static final ApoMomentum.Result RESULT = ApoMomentum.run(0);

    /** log π̃ = log π_t + α(log π_t − log π_{t−1}), renormalized: (½,½) after (¾,¼) with α = 1 is ∝ (½·⅔, ½·2). */
    @Test void extrapolationByHand() {
        double[] now = Probabilities.log(new double[] {0.5, 0.5}), prev = Probabilities.log(new double[] {0.75, 0.25});
        double[] ref = ApoMomentum.extrapolate(now, prev, 1);
        assertArrayEquals(Probabilities.log(new double[] {0.25, 0.75}), ref, 1e-12);
        assertArrayEquals(now, ApoMomentum.extrapolate(now, prev, 0), 1e-12);
    }

    @Test void momentumReachesNinetyNinePercentInFewerRounds() {
        ApoMomentum.Trace plain = RESULT.traces().get(0), momentum = RESULT.traces().get(1);
        assertEquals(0.0, plain.alpha());
        assertEquals(0.3, momentum.alpha());
        assertEquals(6, plain.roundsToTarget());
        assertEquals(5, momentum.roundsToTarget());
        assertTrue(plain.expectedReward()[5] < 0.99 * 4 && momentum.expectedReward()[5] >= 0.99 * 4);
        assertTrue(RESULT.passed());
    }

    /** Round 1 has no previous policy to extrapolate from, and both α use the same random streams. */
    @Test void firstRoundIsTheSameForBothAlphas() {
        assertEquals(2.0, RESULT.traces().get(0).expectedReward()[0], 1e-12);
        assertEquals(RESULT.traces().get(0).expectedReward()[1], RESULT.traces().get(1).expectedReward()[1], 0);
        assertNotEquals(RESULT.traces().get(0).expectedReward()[2], RESULT.traces().get(1).expectedReward()[2]);
    }
}
