package org.jpo.loss;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.jpo.loss.Fixtures.*;
import static org.jpo.tensor.Tensors.*;
import static org.junit.jupiter.api.Assertions.*;

/** The sheet's checks for KTO and unpaired APO-zero; oracles use {@link Math} only. */
class UnpairedLossesTest {
    /** One example: policy and reference log-prob, length, label. */
    record Single(double pi, double ref, double len, boolean desirable) {
        double rho() { return pi - ref; }
        Single withPi(double v) { return new Single(v, ref, len, desirable); }
    }

    /** Examples plus the mismatched completions' log-probs under policy and reference. */
    record Data(Single[] xs, double[] klPi, double[] klRef) {
        double z() {
            double kl = 0;
            for (int i = 0; i < klPi.length; i++) kl += (klPi[i] - klRef[i]) / klPi.length;
            return Math.max(0, kl);
        }
        Data with(int i, Single s) { Single[] c = xs.clone(); c[i] = s; return new Data(c, klPi, klRef); }
    }

    interface Oracle { double loss(Single s, double z); }

    record Case(UnpairedLoss loss, Oracle oracle, String label) {
        @Override public String toString() { return label; }
    }

    static final double B = BETA;

    /** KL̂ = mean(1, −0.5) = 0.25 = z; β(ρ − z) = 0, 1, 2 for the desirable and β(z − ρ) = 0, 1, 2 for the others. */
    static final Data HAND = new Data(new Single[] {
            new Single(-4.75, -5, 3, true), new Single(-3.75, -6, 2, true), new Single(-2.75, -7, 4, true),
            new Single(-4.75, -5, 1, false), new Single(-7.75, -6, 5, false), new Single(-10.75, -7, 2, false),
    }, new double[] {-3, -5}, new double[] {-4, -4.5});
    /** KL̂ = mean(−1, 0.5) = −0.25 < 0, so z = 0. */
    static final Data NEGATIVE_KL = new Data(HAND.xs(), new double[] {-5, -4}, new double[] {-4, -4.5});
    static final Data GENERIC = new Data(new Single[] {
            new Single(-2.3, -2.9, 3, true), new Single(-5.2, -4.1, 2, false),
            new Single(-1.7, -2.05, 5, true), new Single(-6.3, -5.5, 3, false),
    }, new double[] {-3.3, -4.1, -2.0}, new double[] {-3.0, -4.6, -2.2});
    /** βρ = ±1000 for both labels. */
    static final Data EXTREME = new Data(new Single[] {
            new Single(-1, -2001, 1, true), new Single(-2001, -1, 1, true),
            new Single(-1, -2001, 1, false), new Single(-2001, -1, 1, false),
    }, new double[] {-2}, new double[] {-2});

    static Stream<Case> cases() {
        return Stream.of(
                new Case(new Kto(B, 1.5, 0.7), (s, z) -> s.desirable()
                        ? 1.5 * (1 - sigmoid(B * (s.rho() - z))) : 0.7 * (1 - sigmoid(B * (z - s.rho()))), "kto"),
                new Case(new ApoZeroUnpaired(B), (s, z) -> s.desirable()
                        ? 1 - sigmoid(B * s.rho()) : sigmoid(B * s.rho()), "apo_zero_unpaired"));
    }

    record Leaves(Tensor pi, Tensor ref, Tensor klPi, Tensor klRef, UnpairedBatch batch) {}

    static Leaves leaves(Data d, boolean policyGrad, boolean otherGrad) {
        Tensor pi = col(d.xs(), Single::pi).requires_grad_(policyGrad);
        Tensor ref = col(d.xs(), Single::ref).requires_grad_(otherGrad);
        Tensor len = col(d.xs(), Single::len);
        Tensor good = col(d.xs(), s -> s.desirable() ? 1 : 0);
        Tensor klPi = doubles(d.klPi(), d.klPi().length).requires_grad_(otherGrad);
        Tensor klRef = doubles(d.klRef(), d.klRef().length).requires_grad_(otherGrad);
        Tensor ones = doubles(new double[d.klPi().length], d.klPi().length).add(s(1));
        UnpairedBatch b = new UnpairedBatch(new Logps(pi, len), new Logps(ref, len), good,
                new Logps(klPi, ones), new Logps(klRef, ones));
        return new Leaves(pi, ref, klPi, klRef, b);
    }

    static Tensor col(Single[] xs, java.util.function.ToDoubleFunction<Single> f) {
        return doubles(Arrays.stream(xs).mapToDouble(f).toArray(), xs.length);
    }

    static double[] values(Data d, UnpairedLoss loss) {
        try (PointerScope scope = new PointerScope()) {
            return toDoubles(loss.apply(leaves(d, false, false).batch()).losses());
        }
    }

    static double[] expected(Data d, Oracle o) {
        return Arrays.stream(d.xs()).mapToDouble(s -> o.loss(s, d.z())).toArray();
    }

    @ParameterizedTest(name = "{0}") @MethodSource("cases")
    void handValuesWithPositiveAndNegativeKl(Case c) {
        assertEquals(0.25, HAND.z(), 1e-15);
        assertEquals(0.0, NEGATIVE_KL.z(), 0.0);
        assertClose(expected(HAND, c.oracle()), values(HAND, c.loss()), 1e-6, c.label() + " KL̂ = 0.25");
        assertClose(expected(NEGATIVE_KL, c.oracle()), values(NEGATIVE_KL, c.loss()), 1e-6, c.label() + " KL̂ < 0");
    }

    @ParameterizedTest(name = "{0}") @MethodSource("cases")
    void rewardsSitOnTheExamplesSide(Case c) {
        try (PointerScope scope = new PointerScope()) {
            LossResult r = c.loss().apply(leaves(HAND, true, false).batch());
            double[] chosen = Arrays.stream(HAND.xs()).mapToDouble(s -> s.desirable() ? B * s.rho() : 0).toArray();
            double[] rejected = Arrays.stream(HAND.xs()).mapToDouble(s -> s.desirable() ? 0 : B * s.rho()).toArray();
            assertClose(chosen, toDoubles(r.chosenRewards()), 1e-12, "R⁺");
            assertClose(rejected, toDoubles(r.rejectedRewards()), 1e-12, "R⁻");
            assertFalse(r.chosenRewards().requires_grad() || r.rejectedRewards().requires_grad());
        }
    }

    @ParameterizedTest(name = "{0}") @MethodSource("cases")
    void gradientMatchesFiniteDifferences(Case c) {
        double[] g;
        try (PointerScope scope = new PointerScope()) {
            Leaves l = leaves(GENERIC, true, false);
            c.loss().apply(l.batch()).losses().sum().backward();
            g = toDoubles(l.pi().grad());
        }
        for (int i = 0; i < g.length; i++) {
            Single s = GENERIC.xs()[i];
            int k = i;
            double fd = centralDifference(x -> Arrays.stream(values(GENERIC.with(k, s.withPi(x)), c.loss())).sum(), s.pi());
            assertEquals(fd, g[i], 1e-6 * Math.max(1, Math.abs(fd)), "d/dπ of example " + i);
        }
    }

    @ParameterizedTest(name = "{0}") @MethodSource("cases")
    void noGradientReachesTheReferenceOrTheKlEstimate(Case c) {
        try (PointerScope scope = new PointerScope()) {
            Leaves l = leaves(GENERIC, true, true);
            c.loss().apply(l.batch()).losses().sum().backward();
            assertNoGradient(l.ref(), "r");
            assertNoGradient(l.klPi(), "KL̂ policy log-probs");
            assertNoGradient(l.klRef(), "KL̂ reference log-probs");
        }
    }

    @ParameterizedTest(name = "{0}") @MethodSource("cases")
    void finiteAtBetaRhoPlusMinus1000(Case c) {
        try (PointerScope scope = new PointerScope()) {
            Leaves l = leaves(EXTREME, true, false);
            Tensor losses = c.loss().apply(l.batch()).losses();
            assertAllFinite(toDoubles(losses), "loss");
            losses.sum().backward();
            assertAllFinite(toDoubles(l.pi().grad()), "d/dπ");
        }
    }

    @Test void ktoRejectsAnEmptyKlBatch() {
        try (PointerScope scope = new PointerScope()) {
            Data empty = new Data(HAND.xs(), new double[0], new double[0]);
            var e = assertThrows(IllegalArgumentException.class, () -> new Kto(B, 1, 1).apply(leaves(empty, false, false).batch()));
            assertTrue(e.getMessage().contains("mismatched completions"), e.getMessage());
        }
    }
}
