package org.jpo.bandit;

import org.jpo.loss.LossType;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The group methods on a K-armed bandit with a softmax policy ({@link GroupEstimators}, {@code jpo bandit
 * group-estimators}), where expectations are exact sums over the K^G ways a group of G samples can fall: RLOO's expected
 * update is exactly ∇_θ E[r] (unbiased), Dr. GRPO's exactly (G−1)/G of it, and expected GRPO, Dr. GRPO and RLOO updates
 * climb to the best arm. The oracle is the closed form, written here with {@link Math}.
 */
class GroupBanditTest {
    static final double[] THETA = {0.3, -0.4, 0.9};
    static final double[] REWARD = {1.0, 0.25, -0.5};

    /** ∇_θ E[r] = π_k·(r_k − E r). */
    static double[] closedForm(double[] theta) {
        double z = 0, mean = 0;
        double[] p = new double[3], g = new double[3];
        for (int k = 0; k < 3; k++) z += p[k] = Math.exp(theta[k]);
        for (int k = 0; k < 3; k++) mean += (p[k] /= z) * REWARD[k];
        for (int k = 0; k < 3; k++) g[k] = p[k] * (REWARD[k] - mean);
        return g;
    }

    @Test void rlooIsUnbiased() {
        double[] exact = closedForm(THETA), rloo = GroupEstimators.expectedUpdate(THETA, LossType.RLOO);
        for (int k = 0; k < 3; k++) assertEquals(exact[k], rloo[k], 1e-12, "arm " + k);
    }

    /** A_i = r_i − mean r = (G−1)/G·(r_i − mean_{j≠i} r_j): the self-inclusive baseline shrinks the expected update by (G−1)/G. */
    @Test void drGrpoIsUnbiasedUpToTheFactorGMinusOneOverG() {
        double[] exact = closedForm(THETA), dr = GroupEstimators.expectedUpdate(THETA, LossType.DR_GRPO);
        for (int k = 0; k < 3; k++) assertEquals(exact[k] * 2 / 3, dr[k], 1e-12, "arm " + k);
    }

    /** Every claim of the experiment holds: the two above, GRPO's bias, and ascent from a start favouring the worst arm. */
    @Test void theExperimentsClaimsHold() {
        GroupEstimators.Result r = GroupEstimators.run();
        for (Claim c : r.claims()) assertTrue(c.pass(), c.claim() + ": " + c.measured());
        for (double[] climb : r.climbs()) assertTrue(climb[0] < 0.2 && climb[climb.length - 1] > 0.99, java.util.Arrays.toString(climb));
    }
}
