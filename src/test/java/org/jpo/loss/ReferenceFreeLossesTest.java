package org.jpo.loss;

import org.bytedeco.javacpp.PointerScope;
import org.jpo.loss.Fixtures.Pair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.function.DoubleBinaryOperator;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;

import static org.jpo.loss.Fixtures.*;
import static org.jpo.tensor.Tensors.*;
import static org.junit.jupiter.api.Assertions.*;

/** The sheet's checks for the reference-free losses; oracles use {@link Math} only. */
class ReferenceFreeLossesTest {
    /** A loss, its per-pair loss and its reward R(π, |y|), written independently of the code. */
    record Case(ReferenceFreeLoss loss, ToDoubleFunction<Pair> oracle, DoubleBinaryOperator reward, String label) {
        @Override public String toString() { return label; }
    }

    static final double B = BETA;

    /** β = 0.5 and π̄⁺ − π̄⁻ = 0, 2, 4, so β(π̄⁺ − π̄⁻) ∈ {0, 1, 2}; reference columns are unused. */
    static final Pair[] HAND_FREE = {
            new Pair(-3.0, -6.0, 0, 0, 2, 4),     // π̄ = −1.5, −1.5
            new Pair(-1.5, -5.0, 0, 0, 3, 2),     // π̄ = −0.5, −2.5
            new Pair(-2.0, -13.5, 0, 0, 4, 3),    // π̄ = −0.5, −4.5
    };
    /** β(π⁺ − π⁻) = β(π̄⁺ − π̄⁻) = ±1000 at lengths 1; ORPO's log-odds gap is about ±2000. */
    static final Pair[] EXTREME_FREE = {
            new Pair(-1, -2001, 0, 0, 1, 1),
            new Pair(-2001, -1, 0, 0, 1, 1),
    };

    static double mean(double logp, double len) { return logp / len; }

    static double logOdds(double meanLogp) { return meanLogp - Math.log(1 - Math.exp(meanLogp)); }

    static Stream<Case> cases() {
        return Stream.of(
                new Case(new Simpo(B, 0.3), p -> -logSigmoid(B * (p.piC() / p.lenC() - p.piR() / p.lenR()) - 0.3),
                        (pi, len) -> B * pi / len, "simpo"),
                new Case(new Cpo(B, 0.7), p -> -logSigmoid(B * (p.piC() - p.piR())) + 0.7 * (-p.piC() / p.lenC()),
                        (pi, len) -> B * pi, "cpo"),
                new Case(new Orpo(0.4), p -> -p.piC() / p.lenC()
                        - 0.4 * logSigmoid(logOdds(p.piC() / p.lenC()) - logOdds(p.piR() / p.lenR())),
                        (pi, len) -> 0.4 * pi / len, "orpo"),
                new Case(new Sft(), p -> -p.piC() / p.lenC(), (pi, len) -> pi / len, "sft"));
    }

    @ParameterizedTest(name = "{0}") @MethodSource("cases")
    void handValues(Case c) {
        double[] expected = Arrays.stream(HAND_FREE).mapToDouble(c.oracle()).toArray();
        assertClose(expected, values(HAND_FREE, l -> c.loss().apply(l.policy())), 1e-6, c.label());
    }

    @ParameterizedTest(name = "{0}") @MethodSource("cases")
    void rewardsAreTheDocumentedAnalogue(Case c) {
        try (PointerScope scope = new PointerScope()) {
            LossResult r = c.loss().apply(leaves(HAND_FREE, true, false).policy());
            assertFalse(r.chosenRewards().requires_grad() || r.rejectedRewards().requires_grad(), "rewards carry gradient");
            assertClose(Arrays.stream(HAND_FREE).mapToDouble(p -> c.reward().applyAsDouble(p.piC(), p.lenC())).toArray(),
                    toDoubles(r.chosenRewards()), 1e-12, "R⁺");
            assertClose(Arrays.stream(HAND_FREE).mapToDouble(p -> c.reward().applyAsDouble(p.piR(), p.lenR())).toArray(),
                    toDoubles(r.rejectedRewards()), 1e-12, "R⁻");
        }
    }

    @ParameterizedTest(name = "{0}") @MethodSource("cases")
    void gradientMatchesFiniteDifferences(Case c) {
        checkGradient(GENERIC, l -> c.loss().apply(l.policy()));
    }

    @ParameterizedTest(name = "{0}") @MethodSource("cases")
    void finiteAtPlusMinus1000(Case c) {
        checkFinite(EXTREME_FREE, l -> c.loss().apply(l.policy()));
    }

    @Test void orpoIsFiniteWhenTheMeanLogProbIsZeroOrTiny() {
        Pair[] nearOne = {new Pair(0.0, -1e-300, 0, 0, 3, 2), new Pair(-1e-12, -0.0, 0, 0, 1, 5)};
        checkFinite(nearOne, l -> new Orpo(0.4).apply(l.policy()));
    }

    @Test void orpoLogOddsIsAccurateOnBothSidesOfMinusLn2() {
        try (PointerScope scope = new PointerScope()) {
            double[] x = {-1e-3, -0.5, -0.7, -1.0, -30.0};
            double[] got = toDoubles(Orpo.logOdds(doubles(x, x.length)));
            for (int i = 0; i < x.length; i++) {
                double p = Math.exp(x[i]);
                assertEquals(Math.log(p / (1 - p)), got[i], 1e-9 * Math.max(1, Math.abs(got[i])), "x = " + x[i]);
            }
        }
    }
}
