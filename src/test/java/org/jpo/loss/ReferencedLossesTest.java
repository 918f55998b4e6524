package org.jpo.loss;

import org.jpo.loss.Fixtures.Pair;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;

import static org.jpo.loss.Fixtures.*;

/** The four checks of the formula sheet for every referenced loss, against oracles written with {@link Math}. */
class ReferencedLossesTest {
    /** A loss and its per-pair loss written independently of the code. */
    record Case(ReferencedLoss loss, Oracle oracle, String label) {
        @Override public String toString() { return label; }
    }

    /** Expected per-pair losses for a batch (AOT's depend on the whole batch). */
    interface Oracle { double[] losses(Pair[] batch); }

    static Oracle perPair(ToDoubleFunction<Pair> f) {
        return batch -> Arrays.stream(batch).mapToDouble(f).toArray();
    }

    static final double B = BETA;

    static Stream<Case> cases() {
        return Stream.of(
                new Case(new Sigmoid(B), perPair(p -> -logSigmoid(B * p.delta())), "sigmoid"),
                new Case(Ipo.normalized(B), perPair(p -> sq(p.rhoC() / p.lenC() - p.rhoR() / p.lenR() - 1 / (2 * B))), "ipo"),
                new Case(Ipo.summed(B), perPair(p -> sq(p.delta() - 1 / (2 * B))), "ipo plain"),
                new Case(new SppoHard(B), perPair(p -> sq(p.rhoC() - 1 / (2 * B)) + sq(p.rhoR() + 1 / (2 * B))), "sppo_hard"),
                new Case(new Sppo(B), perPair(p -> sq(p.rhoC() - (p.winC() - 0.5) / B) + sq(p.rhoR() - (p.winR() - 0.5) / B)), "sppo"));
    }

    static double sq(double x) { return x * x; }

    @ParameterizedTest(name = "{0}") @MethodSource("cases")
    void handValues(Case c) {
        assertClose(c.oracle().losses(HAND), values(HAND, l -> c.loss().apply(l.batch())), 1e-6, c.label());
    }

    @ParameterizedTest(name = "{0}") @MethodSource("cases")
    void gradientMatchesFiniteDifferences(Case c) {
        checkGradient(GENERIC, l -> c.loss().apply(l.batch()));
    }

    @ParameterizedTest(name = "{0}") @MethodSource("cases")
    void noGradientReachesTheReference(Case c) {
        checkNoReferenceGradient(GENERIC, l -> c.loss().apply(l.batch()));
    }

    @ParameterizedTest(name = "{0}") @MethodSource("cases")
    void finiteAtBetaDeltaPlusMinus1000(Case c) {
        checkFinite(EXTREME, l -> c.loss().apply(l.batch()));
    }
}
