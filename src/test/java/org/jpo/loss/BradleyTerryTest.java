package org.jpo.loss;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;

import static org.jpo.loss.Fixtures.*;
import static org.jpo.tensor.Tensors.*;
import static org.junit.jupiter.api.Assertions.*;

/** The reward-model loss on hand-worked values, its gradient, its stability and its metrics. */
class BradleyTerryTest {
    /** r⁺, r⁻, m: r⁺ − r⁻ − m = 0, 1, −2, 0.5. */
    static final double[] CHOSEN = {0.3, 2.0, -1.5, 4.0};
    static final double[] REJECTED = {0.3, 1.0, 0.5, 2.5};
    static final double[] MARGIN = {0.0, 0.0, 0.0, 1.0};

    record Leaves(Tensor chosen, Tensor rejected, Tensor margin) {}

    static Leaves leaves(double[] c, double[] r, double[] m, boolean grad) {
        return new Leaves(doubles(c, c.length).requires_grad_(grad), doubles(r, r.length).requires_grad_(grad),
                doubles(m, m.length).requires_grad_(grad));
    }

    static double[] losses(BradleyTerry bt, double[] c, double[] r, double[] m) {
        try (PointerScope scope = new PointerScope()) {
            Leaves l = leaves(c, r, m, false);
            return toDoubles(bt.apply(l.chosen(), l.rejected(), Optional.of(l.margin())).losses());
        }
    }

    @Test void handValuesWithoutCentering() {
        // −logσ(0) = ln 2; −logσ(1) = ln(1 + e⁻¹); −logσ(−2) = ln(1 + e²); −logσ(0.5) = ln(1 + e^−0.5)
        double[] expected = {0.6931471805599453, 0.31326168751822286, 2.1269280110429727, 0.4740769841801067};
        assertClose(expected, losses(new BradleyTerry(0), CHOSEN, REJECTED, MARGIN), 1e-12, "bt");
    }

    @Test void withoutAMarginItIsTheDifferenceAlone() {
        try (PointerScope scope = new PointerScope()) {
            Leaves l = leaves(CHOSEN, REJECTED, MARGIN, false);
            double[] got = toDoubles(new BradleyTerry(0).apply(l.chosen(), l.rejected()).losses());
            for (int i = 0; i < CHOSEN.length; i++) {
                assertEquals(-logSigmoid(CHOSEN[i] - REJECTED[i]), got[i], 1e-12, "pair " + i);
            }
        }
    }

    @Test void centeringAddsCTimesTheSquaredSum() {
        // c = 0.01, (r⁺ + r⁻)² = 0.36, 9, 1, 42.25
        double[] expected = {0.6931471805599453 + 0.0036, 0.31326168751822286 + 0.09, 2.1269280110429727 + 0.01,
                0.4740769841801067 + 0.4225};
        assertClose(expected, losses(new BradleyTerry(0.01), CHOSEN, REJECTED, MARGIN), 1e-12, "centered");
    }

    @Test void meanIsTrlsBatchLoss() {
        try (PointerScope scope = new PointerScope()) {
            Leaves l = leaves(CHOSEN, REJECTED, MARGIN, false);
            double got = item(new BradleyTerry(0.01).apply(l.chosen(), l.rejected(), Optional.of(l.margin())).mean());
            // TRL: mean(−logσ(r⁺ − r⁻ − m)) + c · mean((r⁺ + r⁻)²)
            double nll = 0, center = 0;
            for (int i = 0; i < 4; i++) {
                nll += -logSigmoid(CHOSEN[i] - REJECTED[i] - MARGIN[i]) / 4;
                center += Math.pow(CHOSEN[i] + REJECTED[i], 2) / 4;
            }
            assertEquals(nll + 0.01 * center, got, 1e-12);
        }
    }

    @Test void gradientMatchesFiniteDifferences() {
        BradleyTerry bt = new BradleyTerry(0.05);
        double[] gc, gr, gm;
        try (PointerScope scope = new PointerScope()) {
            Leaves l = leaves(CHOSEN, REJECTED, MARGIN, true);
            bt.apply(l.chosen(), l.rejected(), Optional.of(l.margin())).losses().sum().backward();
            gc = gradient(l.chosen());
            gr = gradient(l.rejected());
            gm = gradient(l.margin());
        }
        for (int i = 0; i < CHOSEN.length; i++) {
            int k = i;
            double fdC = centralDifference(x -> sum(losses(bt, with(CHOSEN, k, x), REJECTED, MARGIN)), CHOSEN[i]);
            double fdR = centralDifference(x -> sum(losses(bt, CHOSEN, with(REJECTED, k, x), MARGIN)), REJECTED[i]);
            assertEquals(fdC, gc[i], 1e-7, "d/dr⁺ " + i);
            assertEquals(fdR, gr[i], 1e-7, "d/dr⁻ " + i);
            // and the closed form: d/dr⁺ = −σ(−z) + 2c(r⁺ + r⁻)
            double z = CHOSEN[i] - REJECTED[i] - MARGIN[i];
            assertEquals(-sigmoid(-z) + 2 * 0.05 * (CHOSEN[i] + REJECTED[i]), gc[i], 1e-12, "closed form " + i);
            assertEquals(0.0, gm[i], 0.0, "margins are data, yet received a gradient");
        }
    }

    @Test void stableAtPlusMinusAThousand() {
        double[] c = {1000, -500}, r = {0, 500}, m = {0, 0};
        try (PointerScope scope = new PointerScope()) {
            Leaves l = leaves(c, r, m, true);
            Tensor losses = new BradleyTerry(0).apply(l.chosen(), l.rejected(), Optional.of(l.margin())).losses();
            double[] v = toDoubles(losses);
            assertEquals(0.0, v[0], 1e-300, "z = +1000");
            assertEquals(1000.0, v[1], 1e-9, "z = −1000");
            losses.sum().backward();
            double[] gc = gradient(l.chosen()), gr = gradient(l.rejected());
            assertArrayEquals(new double[] {0, -1}, gc, 1e-12);
            assertArrayEquals(new double[] {0, 1}, gr, 1e-12);
        }
    }

    @Test void rewardsAreTheInputsDetached() {
        try (PointerScope scope = new PointerScope()) {
            Leaves l = leaves(CHOSEN, REJECTED, MARGIN, true);
            LossResult r = new BradleyTerry(0).apply(l.chosen(), l.rejected(), Optional.of(l.margin()));
            assertFalse(r.chosenRewards().requires_grad() || r.rejectedRewards().requires_grad());
            assertArrayEquals(CHOSEN, toDoubles(r.chosenRewards()), 0);
            assertArrayEquals(REJECTED, toDoubles(r.rejectedRewards()), 0);
        }
    }

    @Test void metricsHaveTrlsNamesAndATieCountsAsWrong() {
        try (PointerScope scope = new PointerScope()) {
            Leaves l = leaves(CHOSEN, REJECTED, MARGIN, false);
            Map<String, Double> m = BradleyTerry.metrics(new BradleyTerry(0).apply(l.chosen(), l.rejected(), Optional.of(l.margin())));
            assertEquals(java.util.List.of("loss", "accuracy", "margin", "min_reward", "mean_reward", "max_reward"), java.util.List.copyOf(m.keySet()));
            assertEquals((0.6931471805599453 + 0.31326168751822286 + 2.1269280110429727 + 0.4740769841801067) / 4, m.get("loss"), 1e-12);
            assertEquals(0.5, m.get("accuracy"), 0, "pairs: tie, right, wrong, right");
            assertEquals((0 + 1 - 2 + 1.5) / 4, m.get("margin"), 1e-12);
            assertEquals(-1.5, m.get("min_reward"), 0);
            assertEquals((0.3 + 2.0 - 1.5 + 4.0 + 0.3 + 1.0 + 0.5 + 2.5) / 8, m.get("mean_reward"), 1e-12);
            assertEquals(4.0, m.get("max_reward"), 0);
        }
    }

    @Test void badInputsAreNamed() {
        var bad = assertThrows(org.jpo.config.ConfigError.class, () -> new BradleyTerry(-0.1));
        assertEquals("center_rewards_coefficient must be a finite number >= 0, got -0.1", bad.getMessage());
        IllegalArgumentException e;
        try (PointerScope scope = new PointerScope()) {
            Tensor three = vector(1, 2, 3), two = vector(1, 2);
            e = assertThrows(IllegalArgumentException.class, () -> new BradleyTerry(0).apply(three, two));
            assertTrue(e.getMessage().contains("rejected rewards has shape [2]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> new BradleyTerry(0).apply(three, three, Optional.of(two)));
            assertTrue(e.getMessage().contains("margin has shape [2]"), e.getMessage());
        }
    }

    private static double[] with(double[] xs, int i, double v) {
        double[] out = xs.clone();
        out[i] = v;
        return out;
    }

    private static double sum(double[] xs) { return java.util.Arrays.stream(xs).sum(); }
}
