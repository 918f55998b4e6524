package org.jpo.bandit;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.jpo.loss.GroupBatch;
import org.jpo.loss.GroupLoss;
import org.jpo.loss.LossType;
import org.jpo.pairs.Advantages;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.jpo.tensor.Tensors.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The group methods on a K-armed bandit with a softmax policy, where expectations are exact sums over the K^G ways a group
 * of G samples can fall: RLOO's expected update is exactly ∇_θ E[r] (unbiased), Dr. GRPO's (the mean baseline includes the
 * sample itself) exactly (G−1)/G of it, and GRPO's and RLOO's expected updates climb to the best arm.
 */
class GroupBanditTest {
    static final int K = 3, G = 3;
    static final double[] THETA = {0.3, -0.4, 0.9};
    static final double[] REWARD = {1.0, 0.25, -0.5};

    static double[] softmax(double[] theta) {
        double max = Math.max(theta[0], Math.max(theta[1], theta[2])), z = 0;
        double[] p = new double[K];
        for (int k = 0; k < K; k++) z += p[k] = Math.exp(theta[k] - max);
        for (int k = 0; k < K; k++) p[k] /= z;
        return p;
    }

    /** ∇_θ E_{y~softmax(θ)}[r(y)] = π_k·(r_k − E r), in closed form. */
    static double[] exactGradient(double[] theta) {
        double[] p = softmax(theta);
        double mean = 0;
        for (int k = 0; k < K; k++) mean += p[k] * REWARD[k];
        double[] g = new double[K];
        for (int k = 0; k < K; k++) g[k] = p[k] * (REWARD[k] - mean);
        return g;
    }

    /**
     * E over the K^G groups of −∇_θ loss, the loss being the library's (ratio 1: π_old = π, the first step of a round) on
     * one group's G one-token completions with the estimator's advantages. All groups go in one batch of K^G·G rows; each
     * row's advantage is scaled by its group's probability × K^G, so the batch mean is the expectation.
     */
    static double[] expectedUpdate(double[] theta, LossType type, Advantages.Kind kind) {
        int groups = (int) Math.pow(K, G), rows = groups * G;
        double[] p = softmax(theta);
        long[] arm = new long[rows];
        double[] adv = new double[rows];
        for (int o = 0; o < groups; o++) {
            int[] y = new int[G];
            double prob = 1;
            for (int i = 0, c = o; i < G; i++, c /= K) {
                y[i] = c % K;
                prob *= p[y[i]];
            }
            double[] r = new double[G];
            for (int i = 0; i < G; i++) r[i] = REWARD[y[i]];
            double[] a = Advantages.of(kind, r);
            for (int i = 0; i < G; i++) {
                arm[o * G + i] = y[i];
                adv[o * G + i] = a[i] * prob * groups;
            }
        }
        try (PointerScope scope = new PointerScope()) {
            Tensor th = doubles(theta, K).requires_grad_(true);
            Tensor logp = th.log_softmax(0).index_select(0, longs(arm, rows)).unsqueeze(1);        // [R,1]
            GroupBatch b = new GroupBatch(logp, logp.detach(), Optional.empty(), ones(rows), doubles(adv, rows), 1);
            new GroupLoss(type, 0.2, 0).apply(b).mean().backward();
            double[] g = toDoubles(th.grad());
            for (int k = 0; k < K; k++) g[k] = -g[k];
            return g;
        }
    }

    static Tensor ones(int rows) {
        double[] m = new double[rows];
        java.util.Arrays.fill(m, 1);
        return doubles(m, rows, 1);
    }

    @Test void rlooIsUnbiased() {
        double[] exact = exactGradient(THETA), rloo = expectedUpdate(THETA, LossType.RLOO, Advantages.Kind.RLOO);
        for (int k = 0; k < K; k++) assertEquals(exact[k], rloo[k], 1e-12, "arm " + k);
    }

    /** A_i = r_i − mean r = (G−1)/G·(r_i − mean_{j≠i} r_j): the self-inclusive baseline shrinks the expected update by (G−1)/G. */
    @Test void drGrpoIsUnbiasedUpToTheFactorGMinusOneOverG() {
        double[] exact = exactGradient(THETA), dr = expectedUpdate(THETA, LossType.DR_GRPO, Advantages.Kind.DR_GRPO);
        for (int k = 0; k < K; k++) assertEquals(exact[k] * (G - 1) / G, dr[k], 1e-12, "arm " + k);
    }

    /** Expected updates θ ← θ + η·E[−∇loss] from a start that favours the worst arm end on the best one. */
    @Test void grpoAndRlooReachTheBestArm() {
        for (var m : new Object[][] {{LossType.GRPO, Advantages.Kind.GRPO}, {LossType.RLOO, Advantages.Kind.RLOO}}) {
            double[] theta = {-1.0, 0.0, 1.0};
            for (int step = 0; step < 200; step++) {
                double[] u = expectedUpdate(theta, (LossType) m[0], (Advantages.Kind) m[1]);
                for (int k = 0; k < K; k++) theta[k] += 1.0 * u[k];
            }
            double[] p = softmax(theta);
            assertTrue(p[0] > 0.99, m[0] + ": π = " + java.util.Arrays.toString(p));
        }
    }
}
