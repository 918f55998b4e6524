package org.jpo.loss;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.jpo.loss.GroupLossTest.*;
import static org.jpo.tensor.Tensors.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * nash_md (Nash-MD-PG, arXiv:2312.00886 §7) on hand values: the loss and its gradient with respect to the policy's
 * per-token log-probs against the formula evaluated with {@link Math} in doubles, on {@link GroupLossTest}'s three
 * samples (clipped tokens on both sides, padding that must be hidden). Each token's advantage is A_i − τ·Σ_{s≥t}(π_s − r_s),
 * with no gradient through the log-ratios.
 */
class NashMdLossTest {
    static final double TAU = 0.3;

    /** τ·Σ_{s≥t} (π_s − r_s) over sample i's completion tokens. */
    static double klToGo(int i, int t) {
        double sum = 0;
        for (int u = t; u < LEN[i]; u++) sum += PI[i][u] - REF[i][u];
        return TAU * sum;
    }

    static GroupLoss.Result apply(Tensor pi, double[][] old, double tau) {
        GroupBatch b = new GroupBatch(pi, table(old), tau > 0 ? Optional.of(table(REF)) : Optional.empty(), mask(), doubles(A, 3), L_MAX);
        return new GroupLoss(LossType.NASH_MD, EPS, tau).apply(b);
    }

    /** The clipped surrogate with per-token advantages, summed over each sample's tokens, mean over samples. */
    @Test void lossAndGradientMatchTheFormula() {
        for (double tau : new double[] {0.0, TAU}) {
            try (PointerScope scope = new PointerScope()) {
                Tensor pi = table(PI).requires_grad_(true);
                GroupLoss.Result r = apply(pi, OLD, tau);
                r.mean().backward();
                double[] grad = toDoubles(pi.grad());
                double expected = 0;
                for (int i = 0; i < 3; i++) {
                    for (int t = 0; t < 3; t++) {
                        double g = 0;
                        if (t < LEN[i]) {
                            double a = A[i] - (tau > 0 ? klToGo(i, t) : 0);
                            double rho = Math.exp(PI[i][t] - OLD[i][t]), clip = Math.min(Math.max(rho, 1 - EPS), 1 + EPS);
                            expected += -Math.min(rho * a, clip * a) / 3;
                            g = clip * a < rho * a ? 0 : -rho * a / 3;
                        }
                        assertEquals(g, grad[3 * i + t], 1e-12, "τ " + tau + " gradient at " + i + "," + t);
                    }
                }
                assertEquals(expected, item(r.mean()), 1e-12, "τ " + tau + " loss");
            }
        }
    }

    /**
     * At ρ = 1 (π_old = π, the round's first step) the gradient is the paper's estimator, worked here by hand for one
     * sample of two tokens: π = (−1, −2), μ's log-probs (−1.5, −1), P(y ≻ y′) = 0.8 so A = 0.3, τ = 0.1. The log-ratios
     * are (0.5, −1), their sums from each token on (−0.5, −1), so Â = (0.3 + 0.05, 0.3 + 0.1) = (0.35, 0.4): the
     * gradient is (−0.35, −0.4) and the loss −(0.35 + 0.4) = −0.75.
     */
    @Test void atRatioOneTheGradientIsThePapersEstimatorByHand() {
        try (PointerScope scope = new PointerScope()) {
            Tensor pi = doubles(new double[] {-1, -2}, 1, 2).requires_grad_(true);
            GroupBatch b = new GroupBatch(pi, doubles(new double[] {-1, -2}, 1, 2), Optional.of(doubles(new double[] {-1.5, -1}, 1, 2)),
                    doubles(new double[] {1, 1}, 1, 2), doubles(new double[] {0.8 - 0.5}, 1), L_MAX);
            GroupLoss.Result r = new GroupLoss(LossType.NASH_MD, EPS, 0.1).apply(b);
            r.mean().backward();
            assertEquals(-0.75, item(r.mean()), 1e-12);
            assertArrayEquals(new double[] {-0.35, -0.4}, toDoubles(pi.grad()), 1e-12);
            assertArrayEquals(new double[] {0.35, 0.4}, toDoubles(r.advantages()), 1e-12);
        }
    }

    /** The reference's log-probs get no gradient (they enter the advantage only, detached); padded positions get none either. */
    @Test void onlyThePolicyGetsAGradient() {
        try (PointerScope scope = new PointerScope()) {
            Tensor pi = table(PI).requires_grad_(true), ref = table(REF).requires_grad_(true);
            GroupBatch b = new GroupBatch(pi, table(OLD), Optional.of(ref), mask(), doubles(A, 3), L_MAX);
            new GroupLoss(LossType.NASH_MD, EPS, TAU).apply(b).mean().backward();
            assertFalse(ref.grad().defined(), "a gradient reached the reference");
            double[] g = toDoubles(pi.grad());
            for (int i = 0; i < 3; i++) for (int t = LEN[i]; t < 3; t++) assertEquals(0, g[3 * i + t], "padding " + i + "," + t);
        }
    }

    @Test void theConfigReadsMixtureCoefAndDefaultsToTrls() {
        LossConfig c = LossConfigs.of("loss_type: nash_md\n");
        assertEquals(new GroupLoss(LossType.NASH_MD, 0.2, 0.1), c.create());   // TRL NashMDConfig: beta 0.1
        assertEquals(0.5, c.knobs().mixtureCoef());
        assertEquals(0.25, LossConfigs.of("loss_type: nash_md\nmixture_coef: 0.25\n").knobs().mixtureCoef());
        assertNull(c.unread("mixture_coef"));
        assertTrue(LossConfigs.of("loss_type: grpo\n").unread("mixture_coef").contains("read by nash_md"));
        var e = assertThrows(org.jpo.UserError.class, () -> LossConfigs.of("loss_type: nash_md\nmixture_coef: 1.5\n"));
        assertTrue(e.getMessage().contains("mixture_coef must be in [0, 1], got 1.5"), e.getMessage());
    }
}
