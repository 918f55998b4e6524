package org.jpo.loss;

import org.bytedeco.javacpp.PointerScope;
import org.jpo.loss.Fixtures.Pair;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;

import static org.jpo.loss.Fixtures.*;
import static org.jpo.tensor.Tensors.toDoubles;

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
                new Case(new Sigmoid(B, FDivergence.FORWARD_KL),
                        perPair(p -> -logSigmoid(B * (-Math.exp(-p.rhoC()) + Math.exp(-p.rhoR())))), "sigmoid forward_kl"),
                new Case(new Sigmoid(B, FDivergence.JS_DIVERGENCE),
                        perPair(p -> -logSigmoid(B * (logSigmoid(p.rhoC()) - logSigmoid(p.rhoR())))), "sigmoid js_divergence"),
                new Case(new Sigmoid(B, FDivergence.alpha(0.5)),
                        perPair(p -> -logSigmoid(B * (alphaF(0.5, p.rhoC()) - alphaF(0.5, p.rhoR())))), "sigmoid alpha_divergence 0.5"),
                new Case(new Cdpo(B, 0.2),
                        perPair(p -> -0.8 * logSigmoid(B * p.delta()) - 0.2 * logSigmoid(-B * p.delta())), "cdpo"),
                new Case(new Robust(B, 0.2),
                        perPair(p -> (-0.8 * logSigmoid(B * p.delta()) + 0.2 * logSigmoid(-B * p.delta())) / 0.6), "robust"),
                new Case(new Hinge(B), perPair(p -> Math.max(0, 1 - B * p.delta())), "hinge"),
                new Case(Ipo.normalized(B), perPair(p -> sq(p.rhoC() / p.lenC() - p.rhoR() / p.lenR() - 1 / (2 * B))), "ipo"),
                new Case(Ipo.summed(B), perPair(p -> sq(p.delta() - 1 / (2 * B))), "ipo plain"),
                new Case(new ExoPair(B, 1e-3), perPair(p -> exo(B * p.delta(), 1e-3)), "exo_pair"),
                new Case(new NcaPair(B), perPair(p -> -logSigmoid(B * p.rhoC()) - 0.5 * logSigmoid(-B * p.rhoC())
                        - 0.5 * logSigmoid(-B * p.rhoR())), "nca_pair"),
                new Case(new BcoPair(B, 0), perPair(p -> -logSigmoid(B * p.rhoC()) - logSigmoid(-B * p.rhoR())), "bco_pair m=0"),
                new Case(new BcoPair(B, 0.3), perPair(p -> -logSigmoid(B * p.rhoC() - 0.3) - logSigmoid(-(B * p.rhoR() - 0.3))),
                        "bco_pair m=0.3"),
                new Case(new SppoHard(B), perPair(p -> sq(p.rhoC() - 1 / (2 * B)) + sq(p.rhoR() + 1 / (2 * B))), "sppo_hard"),
                new Case(new Sppo(B), perPair(p -> sq(p.rhoC() - (p.winC() - 0.5) / B) + sq(p.rhoR() - (p.winR() - 0.5) / B)), "sppo"),
                new Case(new Aot(B, 0.1), ReferencedLossesTest::aot, "aot"),
                new Case(new AotUnpaired(B, 0.1), ReferencedLossesTest::aotUnpaired, "aot_unpaired"),
                new Case(new ApoZero(B), perPair(p -> 1 - sigmoid(B * p.rhoC()) + sigmoid(B * p.rhoR())), "apo_zero"),
                new Case(new ApoDown(B), perPair(p -> sigmoid(B * p.rhoC()) + 1 - sigmoid(B * p.delta())), "apo_down"),
                new Case(new Discopop(B, 0.05), perPair(p -> discopop(B * p.delta(), 0.05)), "discopop"),
                new Case(new Discopop(B, 0.7), perPair(p -> discopop(B * p.delta(), 0.7)), "discopop tau=0.7"),
                new Case(new SigmoidNorm(B), perPair(p -> -logSigmoid(B * (p.rhoC() / p.lenC() - p.rhoR() / p.lenR()))),
                        "sigmoid_norm"),
                new Case(new Dpop(B, 2), perPair(p -> -logSigmoid(B * (p.delta() - 2 * Math.max(0, p.refC() - p.piC())))), "dpop"),
                new Case(new Rdpo(B, 0.1), perPair(p -> -logSigmoid(B * p.delta() - 0.1 * (p.lenC() - p.lenR()))), "rdpo"));
    }

    static double alphaF(double a, double rho) { return (Math.exp((a - 1) * rho) - 1) / (a - 1); }

    static double exo(double z, double eps) {
        return sigmoid(z) * (logSigmoid(z) - Math.log(1 - eps)) + sigmoid(-z) * (logSigmoid(-z) - Math.log(eps));
    }

    static double discopop(double z, double tau) {
        double m = sigmoid(z / tau);
        return (1 - m) * -logSigmoid(z) + m * Math.exp(-z);
    }

    static double smoothed(double z, double eps) { return -(1 - eps) * logSigmoid(z) - eps * logSigmoid(-z); }

    static double[] aot(Pair[] batch) {
        double[] pol = Arrays.stream(batch).mapToDouble(p -> p.piC() - p.piR()).sorted().toArray();
        double[] ref = Arrays.stream(batch).mapToDouble(p -> p.refC() - p.refR()).sorted().toArray();
        double[] out = new double[batch.length];
        for (int i = 0; i < out.length; i++) out[i] = smoothed(B * (pol[i] - ref[i]), 0.1);
        return out;
    }

    static double[] aotUnpaired(Pair[] batch) {
        double[] c = Arrays.stream(batch).mapToDouble(Pair::rhoC).sorted().toArray();
        double[] r = Arrays.stream(batch).mapToDouble(Pair::rhoR).sorted().toArray();
        double[] out = new double[batch.length];
        for (int i = 0; i < out.length; i++) out[i] = smoothed(B * (c[i] - r[i]), 0.1);
        return out;
    }

    static double sq(double x) { return x * x; }

    @ParameterizedTest(name = "{0}") @MethodSource("cases")
    void handValues(Case c) {
        assertClose(c.oracle().losses(HAND), values(HAND, l -> c.loss().apply(l.batch())), 1e-6, c.label());
    }

    @ParameterizedTest(name = "{0}") @MethodSource("cases")
    void rewardsAreBetaTimesLogRatios(Case c) {
        try (PointerScope scope = new PointerScope()) {
            LossResult r = c.loss().apply(leaves(HAND, false, false).batch());
            assertClose(Arrays.stream(HAND).mapToDouble(p -> B * p.rhoC()).toArray(), toDoubles(r.chosenRewards()), 1e-12, "R⁺");
            assertClose(Arrays.stream(HAND).mapToDouble(p -> B * p.rhoR()).toArray(), toDoubles(r.rejectedRewards()), 1e-12, "R⁻");
        }
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
