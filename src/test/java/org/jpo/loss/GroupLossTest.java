package org.jpo.loss;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;

import static org.jpo.tensor.Tensors.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * grpo, dr_grpo, rloo and spo on hand values: loss and gradient with respect to the policy's per-token log-probs against the
 * formula evaluated with {@link Math} in doubles, with tokens clipped on both sides, unclipped outside the range where
 * the advantage's sign lets the gradient through, padding, and β &gt; 0 with k3.
 */
class GroupLossTest {
    static final double EPS = 0.2;
    /** Three samples of 3, 2 and 1 tokens; the padded positions hold values the mask must hide. */
    static final double[][] PI = {{-1.0, -2.0, -0.5}, {-1.5, -0.7, 9.0}, {-2.5, 7.0, -8.0}};
    /**
     * log ρ = π − π_old: sample 0 (A &gt; 0): 0 (in range), 0.3 (ρ &gt; 1+ε: clipped), −0.5 (ρ &lt; 1−ε, A &gt; 0: not clipped);
     * sample 1 (A &lt; 0): −0.4 (ρ &lt; 1−ε: clipped), 0.25 (ρ &gt; 1+ε, A &lt; 0: not clipped); sample 2 (A &lt; 0): −0.3 (clipped).
     */
    static final double[][] OLD = {{-1.0, -2.3, 0.0}, {-1.1, -0.95, 3.0}, {-2.2, 1.0, 2.0}};
    static final double[][] REF = {{-1.2, -1.7, -0.1}, {-1.3, -1.0, 5.0}, {-2.0, 4.0, 1.0}};
    static final int[] LEN = {3, 2, 1};
    static final double[] A = {1.5, -0.8, -0.3};
    static final int L_MAX = 4;

    /** term_t and d term_t / d π_t, from the formula. */
    static double[] term(int i, int t, double beta) {
        double rho = Math.exp(PI[i][t] - OLD[i][t]), clip = Math.min(Math.max(rho, 1 - EPS), 1 + EPS);
        double unclipped = rho * A[i], clipped = clip * A[i];
        double value = -Math.min(unclipped, clipped), grad = clipped < unclipped ? 0 : -rho * A[i];
        double d = REF[i][t] - PI[i][t];
        value += beta * (Math.exp(d) - d - 1);
        grad += beta * (1 - Math.exp(d));
        return new double[] {value, grad};
    }

    static double denominator(LossType type, int i) {
        return switch (type) {
            case GRPO -> LEN[i];
            case DR_GRPO -> L_MAX;
            default -> 1;
        };
    }

    static Tensor table(double[][] v) {
        double[] flat = new double[9];
        for (int i = 0; i < 3; i++) System.arraycopy(v[i], 0, flat, 3 * i, 3);
        return doubles(flat, 3, 3);
    }

    static Tensor mask() {
        double[] m = new double[9];
        for (int i = 0; i < 3; i++) for (int t = 0; t < LEN[i]; t++) m[3 * i + t] = 1;
        return doubles(m, 3, 3);
    }

    void check(LossType type, double beta) {
        try (PointerScope scope = new PointerScope()) {
            Tensor pi = table(PI).requires_grad_(true);
            GroupLoss loss = new GroupLoss(type, EPS, beta);
            GroupBatch b = new GroupBatch(pi, table(OLD), beta > 0 ? Optional.of(table(REF)) : Optional.empty(), mask(), doubles(A, 3), L_MAX);
            GroupLoss.Result r = loss.apply(b);
            r.mean().backward();
            double[] grad = toDoubles(pi.grad());
            double expected = 0;
            for (int i = 0; i < 3; i++) {
                double perSample = 0;
                for (int t = 0; t < 3; t++) {
                    double[] v = t < LEN[i] ? term(i, t, beta) : new double[] {0, 0};
                    perSample += v[0];
                    assertEquals(v[1] / denominator(type, i) / 3, grad[3 * i + t], 1e-15, type + " β " + beta + " gradient at " + i + "," + t);
                }
                expected += perSample / denominator(type, i) / 3;
            }
            assertEquals(expected, item(r.mean()), 1e-15, type + " β " + beta + " loss");
        }
    }

    @Test void grpoIsTheMeanOfEachSequencesTokenMean() {
        check(LossType.GRPO, 0.0);
        check(LossType.GRPO, 0.04);
    }

    @Test void drGrpoDividesTheTokenSumByNTimesLMax() {
        check(LossType.DR_GRPO, 0.0);
        check(LossType.DR_GRPO, 0.04);
    }

    @Test void rlooIsTheMeanOfSequenceSums() {
        check(LossType.RLOO, 0.0);
        check(LossType.RLOO, 0.5);
    }

    /** spo hands a trajectory's win-rate reward to the policy gradient: sequence sums, as rloo (arXiv:2401.04056). */
    @Test void spoIsTheMeanOfSequenceSums() {
        check(LossType.SPO, 0.0);
        check(LossType.SPO, 0.5);
    }

    /** Of the 6 completion tokens two are clipped low (ρ &lt; 1−ε, A &lt; 0) and one high (ρ &gt; 1+ε, A &gt; 0); kl is k3's token mean. */
    @Test void metricsCountTheClippedTokensAndTheKl() {
        try (PointerScope scope = new PointerScope()) {
            GroupLoss loss = new GroupLoss(LossType.GRPO, EPS, 0.04);
            GroupBatch b = new GroupBatch(table(PI), table(OLD), Optional.of(table(REF)), mask(), doubles(A, 3), L_MAX);
            Map<String, Double> m = loss.metrics(loss.apply(b), b);
            double kl = 0;
            for (int i = 0; i < 3; i++) for (int t = 0; t < LEN[i]; t++) kl += Math.exp(REF[i][t] - PI[i][t]) - (REF[i][t] - PI[i][t]) - 1;
            assertEquals(2 / 6.0, m.get("clip_ratio/low_mean"), 1e-15);
            assertEquals(1 / 6.0, m.get("clip_ratio/high_mean"), 1e-15);
            assertEquals(3 / 6.0, m.get("clip_ratio/region_mean"), 1e-15);
            assertEquals(kl / 6, m.get("kl"), 1e-15);
            GroupLoss plain = new GroupLoss(LossType.GRPO, EPS, 0);
            GroupBatch noRef = new GroupBatch(table(PI), table(OLD), Optional.empty(), mask(), doubles(A, 3), L_MAX);
            assertFalse(plain.metrics(plain.apply(noRef), noRef).containsKey("kl"), "kl is logged only when beta > 0");
        }
    }

    /** With π_old = π (the first step of a round) the ratio is 1 and rloo's gradient is REINFORCE's: −A_i/B per token. */
    @Test void atRatioOneRlooIsReinforce() {
        try (PointerScope scope = new PointerScope()) {
            Tensor pi = table(PI).requires_grad_(true);
            GroupBatch b = new GroupBatch(pi, table(PI), Optional.empty(), mask(), doubles(A, 3), L_MAX);
            new GroupLoss(LossType.RLOO, EPS, 0).apply(b).mean().backward();
            double[] grad = toDoubles(pi.grad());
            for (int i = 0; i < 3; i++) for (int t = 0; t < 3; t++) assertEquals(t < LEN[i] ? -A[i] / 3 : 0, grad[3 * i + t], 1e-15);
        }
    }

    @Test void aReferenceIsReadExactlyWhenBetaIsPositive() {
        try (PointerScope scope = new PointerScope()) {
            GroupBatch without = new GroupBatch(table(PI), table(OLD), Optional.empty(), mask(), doubles(A, 3), L_MAX);
            var e = assertThrows(IllegalArgumentException.class, () -> new GroupLoss(LossType.GRPO, EPS, 0.1).apply(without));
            assertTrue(e.getMessage().contains("needs reference"), e.getMessage());
        }
    }
}
