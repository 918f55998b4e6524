package org.jpo.loss;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.jpo.config.ConfigError;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Optional;

import static org.jpo.tensor.Tensors.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * inpo and egpo on hand-worked pairs: values and the analytic gradient with respect to π⁺ and π⁻, both written here in
 * doubles from the formulas (never from the code), at 1e-6; no gradient into the reference or π_t; the soft-label forms
 * against the hard-label expectation they stand for.
 */
class NashLossesTest {
    /** One pair: policy, reference and π_t log-probs (sums), lengths, and P(y⁺ ≻ y⁻) (NaN: none given). */
    record Row(double piC, double piR, double refC, double refR, double tC, double tR, double lenC, double lenR, double p) {}

    /** η = 2, τ = 0.125 (ητ = ¼): h = (π⁺ − π⁻) − ¼·(r⁺ − r⁻) − ¾·(t⁺ − t⁻). */
    static final double ETA = 2, TAU = 0.125;
    static final Row[] INPO = {
            new Row(-3, -4, -2, -4, -5, -4, 2, 3, 1.0),      // h = 1 − ½ + ¾ = 5/4: (¼)² = 0.0625
            new Row(-3, -4, -2, -4, -5, -4, 2, 3, 0.75),     // ¾·(¼)² + ¼·(9/4)² = 0.046875 + 1.265625 = 1.3125
            new Row(-3, -4, -2, -4, -5, -4, 2, 3, 0.5),      // a tie: h² + η²/4 = 1.5625 + 1 = 2.5625
            new Row(-1, -6, -3, -3, -2, -6, 4, 1, 0.9),      // h = 5 − 0 − 3 = 2: 0.9·1² + 0.1·3² = 1.8
    };

    static double h(Row r) { return (r.piC - r.piR) - ETA * TAU * (r.refC - r.refR) - (1 - ETA * TAU) * (r.tC - r.tR); }

    static double inpo(Row r) {
        double h = h(r), p = Double.isNaN(r.p) ? 1 : r.p;
        return p * (h - ETA / 2) * (h - ETA / 2) + (1 - p) * (h + ETA / 2) * (h + ETA / 2);
    }

    /** dℓ/dπ⁺ = dℓ/dh = 2P(h − η/2) + 2(1 − P)(h + η/2); dℓ/dπ⁻ is its negative. */
    static double inpoGrad(Row r) {
        double h = h(r), p = Double.isNaN(r.p) ? 1 : r.p;
        return 2 * p * (h - ETA / 2) + 2 * (1 - p) * (h + ETA / 2);
    }

    /** β = 0.5: the target (P − ½)/β = 2P − 1. */
    static final double BETA = 0.5;
    static final Row[] EGPO = {
            new Row(-3, -4, -3.5, -3.5, 0, 0, 2, 4, 0.75),     // plain δ = 1, target ½: 0.25; per token δ̄ = ¼ + ⅛ = 0.375: 0.015625
            new Row(-2, -6, -3, -5, 0, 0, 1, 2, Double.NaN),   // P = 1: target 1/(2β) = 1; δ = 2: 1; δ̄ = 1 + ½ = 1.5: 0.25
            new Row(-7, -2, -6, -4, 0, 0, 5, 2, 0.2),          // δ = −3, target −0.6: 5.76; δ̄ = −0.2 − 1 = −1.2: 0.36
    };

    static double delta(Row r, boolean plain) {
        double rc = r.piC - r.refC, rr = r.piR - r.refR;
        return plain ? rc - rr : rc / r.lenC - rr / r.lenR;
    }

    static double egpo(Row r, boolean plain) {
        double target = ((Double.isNaN(r.p) ? 1 : r.p) - 0.5) / BETA, d = delta(r, plain) - target;
        return d * d;
    }


    /** The leaves of a batch of rows, the reference and π_t requiring grad so that a gradient reaching them would show. */
    record Leaves(Tensor piC, Tensor piR, Tensor refC, Tensor refR, Tensor tC, Tensor tR, Tensor lenC, Tensor lenR, Optional<Tensor> p) {
        PairBatch batch() {
            return new PairBatch(new PairLogps(new Logps(piC, lenC), new Logps(piR, lenR)), new PairLogps(new Logps(refC, lenC), new Logps(refR, lenR)),
                    Optional.empty(), p, Optional.of(new PairLogps(new Logps(tC, lenC), new Logps(tR, lenR))));
        }
    }

    static Leaves leaves(Row[] rows) {
        boolean soft = Arrays.stream(rows).anyMatch(r -> !Double.isNaN(r.p));
        return new Leaves(col(rows, r -> r.piC, true), col(rows, r -> r.piR, true), col(rows, r -> r.refC, true), col(rows, r -> r.refR, true),
                col(rows, r -> r.tC, true), col(rows, r -> r.tR, true), col(rows, r -> r.lenC, false), col(rows, r -> r.lenR, false),
                soft ? Optional.of(col(rows, r -> Double.isNaN(r.p) ? 1 : r.p, false)) : Optional.empty());
    }

    static Tensor col(Row[] rows, java.util.function.ToDoubleFunction<Row> f, boolean grad) {
        return doubles(Arrays.stream(rows).mapToDouble(f).toArray(), rows.length).requires_grad_(grad);
    }

    /** Values, d(Σ losses)/dπ⁺ and /dπ⁻, and the gradients that reached r⁺, r⁻, t⁺, t⁻ (all must be zero). */
    record Out(double[] losses, double[] dC, double[] dR, double[] leak, double[] rewardsC, double[] rewardsR) {}

    static Out run(ReferencedLoss loss, Row[] rows) {
        try (PointerScope scope = new PointerScope()) {
            Leaves l = leaves(rows);
            LossResult r = loss.apply(l.batch());
            assertFalse(r.chosenRewards().requires_grad() || r.rejectedRewards().requires_grad(), "rewards carry gradient");
            r.losses().sum().backward();
            double leak = 0;
            for (Tensor t : new Tensor[] {l.refC, l.refR, l.tC, l.tR}) {
                if (t.grad().defined()) for (double v : toDoubles(t.grad())) leak = Math.max(leak, Math.abs(v));
            }
            return new Out(toDoubles(r.losses()), toDoubles(l.piC.grad()), toDoubles(l.piR.grad()), new double[] {leak},
                    toDoubles(r.chosenRewards()), toDoubles(r.rejectedRewards()));
        }
    }

    static void close(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], actual[i], 1e-6 * Math.max(1, Math.abs(expected[i])), what + " [" + i + "]");
    }

    @Test void inpoByHand() {
        Out o = run(new Inpo(ETA, TAU), INPO);
        close(new double[] {0.0625, 1.3125, 2.5625, 1.8}, o.losses(), "inpo by hand");
        close(Arrays.stream(INPO).mapToDouble(NashLossesTest::inpo).toArray(), o.losses(), "inpo formula");
        close(Arrays.stream(INPO).mapToDouble(NashLossesTest::inpoGrad).toArray(), o.dC(), "dℓ/dπ⁺");
        close(Arrays.stream(INPO).mapToDouble(r -> -inpoGrad(r)).toArray(), o.dR(), "dℓ/dπ⁻");
        assertEquals(0, o.leak()[0], "gradient reached the reference or π_t");
        close(Arrays.stream(INPO).mapToDouble(r -> TAU * (r.piC - r.refC)).toArray(), o.rewardsC(), "R⁺ = τ·ρ⁺");
        close(Arrays.stream(INPO).mapToDouble(r -> TAU * (r.piR - r.refR)).toArray(), o.rewardsR(), "R⁻ = τ·ρ⁻");
    }

    /** Without a preference a row is a labelled y⁺ ≻ y⁻: the paper's (h − η/2)². */
    @Test void inpoWithoutPreferenceIsTheLabelledLoss() {
        Row[] hard = Arrays.stream(INPO).map(r -> new Row(r.piC, r.piR, r.refC, r.refR, r.tC, r.tR, r.lenC, r.lenR, Double.NaN)).toArray(Row[]::new);
        Out o = run(new Inpo(ETA, TAU), hard);
        close(Arrays.stream(hard).mapToDouble(r -> (h(r) - ETA / 2) * (h(r) - ETA / 2)).toArray(), o.losses(), "(h − η/2)²");
        close(Arrays.stream(hard).mapToDouble(NashLossesTest::inpoGrad).toArray(), o.dC(), "dℓ/dπ⁺");
    }

    /** The soft form is the expectation over the oracle's label: P·ℓ(y⁺ ≻ y⁻) + (1 − P)·ℓ(y⁻ ≻ y⁺), the swap labelled. */
    @Test void inpoIsTheExpectationOverTheLabel() {
        Row[] soft = {INPO[1], INPO[3]};
        double[] expected = new double[soft.length];
        for (int i = 0; i < soft.length; i++) {
            Row r = soft[i];
            Row won = new Row(r.piC, r.piR, r.refC, r.refR, r.tC, r.tR, r.lenC, r.lenR, Double.NaN);
            Row lost = new Row(r.piR, r.piC, r.refR, r.refC, r.tR, r.tC, r.lenR, r.lenC, Double.NaN);
            expected[i] = r.p * run(new Inpo(ETA, TAU), new Row[] {won}).losses()[0] + (1 - r.p) * run(new Inpo(ETA, TAU), new Row[] {lost}).losses()[0];
        }
        close(expected, run(new Inpo(ETA, TAU), soft).losses(), "E over the label");
    }

    @Test void egpoByHand() {
        Out plain = run(new Egpo(BETA, true), EGPO), norm = run(new Egpo(BETA, false), EGPO);
        close(new double[] {0.25, 1, 5.76}, plain.losses(), "egpo plain by hand");
        close(new double[] {0.015625, 0.25, 0.36}, norm.losses(), "egpo per token by hand");
        for (boolean p : new boolean[] {true, false}) {
            Out o = p ? plain : norm;
            double[] dC = new double[EGPO.length], dR = new double[EGPO.length];
            for (int i = 0; i < EGPO.length; i++) {
                Row r = EGPO[i];
                double g = 2 * (delta(r, p) - ((Double.isNaN(r.p) ? 1 : r.p) - 0.5) / BETA);   // dℓ/dδ
                dC[i] = p ? g : g / r.lenC;
                dR[i] = p ? -g : -g / r.lenR;
            }
            close(Arrays.stream(EGPO).mapToDouble(r -> egpo(r, p)).toArray(), o.losses(), "egpo formula, plain " + p);
            close(dC, o.dC(), "dℓ/dπ⁺, plain " + p);
            close(dR, o.dR(), "dℓ/dπ⁻, plain " + p);
            assertEquals(0, o.leak()[0], "gradient reached the reference");
            close(Arrays.stream(EGPO).mapToDouble(r -> BETA * (r.piC - r.refC)).toArray(), o.rewardsC(), "R⁺ = β·ρ⁺");
        }
    }

    /** With P = 1 egpo is IPO; with any P it differs from IPO's loss averaged over the label by the constant P(1 − P)/β² only. */
    @Test void egpoIsOnlineIpoWithSoftLabels() {
        Row[] hard = {new Row(-2, -6, -3, -5, 0, 0, 1, 2, Double.NaN)};
        assertArrayEquals(values(Ipo.summed(BETA), hard), run(new Egpo(BETA, true), hard).losses(), 1e-12);
        assertArrayEquals(values(Ipo.normalized(BETA), hard), run(new Egpo(BETA, false), hard).losses(), 1e-12);
        for (Row r : EGPO) {
            if (Double.isNaN(r.p)) continue;
            double d = delta(r, true), ipoWon = Math.pow(d - 1 / (2 * BETA), 2), ipoLost = Math.pow(-d - 1 / (2 * BETA), 2);
            assertEquals(r.p * ipoWon + (1 - r.p) * ipoLost - r.p * (1 - r.p) / (BETA * BETA), egpo(r, true), 1e-12);
            assertEquals(egpo(r, true), run(new Egpo(BETA, true), new Row[] {r}).losses()[0], 1e-12);
        }
    }

    static double[] values(ReferencedLoss loss, Row[] rows) {
        try (PointerScope scope = new PointerScope()) {
            return toDoubles(loss.apply(leaves(rows).batch()).losses());
        }
    }

    @Test void finiteAtGapsOfAThousand() {
        Row[] extreme = {new Row(-1, -1001, -1001, -1, -1, -1001, 1, 1, 0.9), new Row(-1001, -1, -1, -1001, -1001, -1, 1, 1, 0.1)};
        for (ReferencedLoss loss : new ReferencedLoss[] {new Inpo(ETA, TAU), new Egpo(BETA, true), new Egpo(BETA, false)}) {
            Out o = run(loss, extreme);
            for (double[] xs : new double[][] {o.losses(), o.dC(), o.dR()}) for (double x : xs) assertTrue(Double.isFinite(x), loss + ": " + x);
        }
    }

    @Test void badInputsAreRefusedNamingWhatIsWrong() {
        assertEquals("inpo.eta must be a finite number > 0, got 0.0", assertThrows(ConfigError.class, () -> new Inpo(0, 0.1)).getMessage());
        assertEquals("inpo.eta·beta must be <= 1 (π_t's weight in the step is 1 − ηβ), got 10.0·0.2",
                assertThrows(ConfigError.class, () -> new Inpo(10, 0.2)).getMessage());
        assertEquals("beta must be a finite number > 0, got -1.0", assertThrows(ConfigError.class, () -> new Egpo(-1, false)).getMessage());
        try (PointerScope scope = new PointerScope()) {
            Leaves l = leaves(INPO);
            PairBatch noPrevious = new PairBatch(l.batch().policy(), l.batch().reference());
            assertTrue(assertThrows(IllegalArgumentException.class, () -> new Inpo(ETA, TAU).apply(noPrevious)).getMessage()
                    .startsWith("inpo needs the log-probs of the policy the round started from"));
            PairBatch outside = new PairBatch(l.batch().policy(), l.batch().reference(), Optional.empty(),
                    Optional.of(vector(0.5, 1.5, 0.5, 0.5)), l.batch().previous());
            assertTrue(assertThrows(IllegalArgumentException.class, () -> new Egpo(BETA, true).apply(outside)).getMessage()
                    .startsWith("preference must lie in [0, 1]"));
        }
    }
}
