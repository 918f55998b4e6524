package org.jpo.loss;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.util.Arrays;
import java.util.Optional;
import java.util.function.Function;

import static org.jpo.tensor.Tensors.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Test inputs for the paired losses and the checks every loss must pass, written with plain
 * {@link Math} so that expected values never come from the code under test.
 */
final class Fixtures {
    private Fixtures() {}

    static final double H = 1e-5;   // central-difference step (float64)

    /** One pair's numbers: policy π, reference r, lengths |y| and win probabilities P, chosen then rejected. */
    record Pair(double piC, double piR, double refC, double refR, double lenC, double lenR, double winC, double winR) {
        Pair(double piC, double piR, double refC, double refR, double lenC, double lenR) {
            this(piC, piR, refC, refR, lenC, lenR, 0.5, 0.5);
        }
        double rhoC() { return piC - refC; }
        double rhoR() { return piR - refR; }
        double delta() { return rhoC() - rhoR(); }
        Pair withPiC(double v) { return new Pair(v, piR, refC, refR, lenC, lenR, winC, winR); }
        Pair withPiR(double v) { return new Pair(piC, v, refC, refR, lenC, lenR, winC, winR); }
    }

    /** β = 0.5 and δ = 0, 2, 4, so βδ ∈ {0, 1, 2}; lengths and win probabilities all differ. */
    static final double BETA = 0.5;
    static final Pair[] HAND = {
            new Pair(-3.0, -4.5, -3.4, -4.9, 2, 5, 0.7, 0.3),    // ρ⁺ = 0.4,  ρ⁻ = 0.4,  δ = 0
            new Pair(-2.0, -6.0, -3.2, -5.2, 3, 2, 0.9, 0.2),    // ρ⁺ = 1.2,  ρ⁻ = −0.8, δ = 2
            new Pair(-7.0, -9.0, -6.4, -4.4, 4, 3, 0.55, 0.6),   // ρ⁺ = −0.6, ρ⁻ = −4.6, δ = 4
    };
    /** Generic values away from every kink (hinge at βδ = 1, DPOP at ρ⁺ = 0) and without ties (AOT). */
    static final Pair[] GENERIC = {
            new Pair(-2.3, -3.1, -2.9, -2.2, 3, 4, 0.65, 0.35),
            new Pair(-5.2, -4.0, -4.1, -4.7, 2, 6, 0.8, 0.45),
            new Pair(-1.7, -6.3, -2.05, -5.5, 5, 3, 0.3, 0.6),
    };
    /** βδ = +1000 and −1000 at β = 0.5 (ρ⁺ = ±1000, ρ⁻ = ∓1000, lengths 1). */
    static final Pair[] EXTREME = {
            new Pair(-1, -1001, -1001, -1, 1, 1, 0.9, 0.1),
            new Pair(-1001, -1, -1, -1001, 1, 1, 0.1, 0.9),
    };

    static double sigmoid(double z) { return 1 / (1 + Math.exp(-z)); }

    static double logSigmoid(double z) { return Math.log(sigmoid(z)); }

    /** The float64 leaves of a pair batch, kept so tests can read their gradients. */
    record Leaves(Tensor piC, Tensor piR, Tensor refC, Tensor refR, Tensor lenC, Tensor lenR, Tensor winC, Tensor winR) {
        PairLogps policy() { return new PairLogps(new Logps(piC, lenC), new Logps(piR, lenR)); }

        PairLogps reference() { return new PairLogps(new Logps(refC, lenC), new Logps(refR, lenR)); }

        PairBatch batch() {
            return new PairBatch(policy(), reference(), Optional.of(new PairBatch.WinProbs(winC, winR)));
        }
    }

    static Leaves leaves(Pair[] p, boolean policyGrad, boolean referenceGrad) {
        return new Leaves(
                column(p, Pair::piC).requires_grad_(policyGrad), column(p, Pair::piR).requires_grad_(policyGrad),
                column(p, Pair::refC).requires_grad_(referenceGrad), column(p, Pair::refR).requires_grad_(referenceGrad),
                column(p, Pair::lenC), column(p, Pair::lenR), column(p, Pair::winC), column(p, Pair::winR));
    }

    static Tensor column(Pair[] p, java.util.function.ToDoubleFunction<Pair> f) {
        return doubles(Arrays.stream(p).mapToDouble(f).toArray(), p.length);   // [B]
    }

    /** The per-pair losses of {@code loss} on {@code pairs}, as doubles. */
    static double[] values(Pair[] pairs, Function<Leaves, LossResult> loss) {
        try (PointerScope scope = new PointerScope()) {
            return toDoubles(loss.apply(leaves(pairs, false, false)).losses());
        }
    }

    static void assertClose(double[] expected, double[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tol * Math.max(1, Math.abs(expected[i])), what + " [" + i + "]");
        }
    }

    /** Autograd's d(Σ losses)/dπ⁺ and /dπ⁻ equal central differences in float64. */
    static void checkGradient(Pair[] pairs, Function<Leaves, LossResult> loss) {
        double[] gC, gR;
        try (PointerScope scope = new PointerScope()) {
            Leaves l = leaves(pairs, true, false);
            loss.apply(l).losses().sum().backward();
            gC = gradient(l.piC());
            gR = gradient(l.piR());
        }
        for (int i = 0; i < pairs.length; i++) {
            Pair p = pairs[i];
            int k = i;
            double fdC = centralDifference(x -> total(replace(pairs, k, p.withPiC(x)), loss), p.piC());
            double fdR = centralDifference(x -> total(replace(pairs, k, p.withPiR(x)), loss), p.piR());
            assertEquals(fdC, gC[i], 1e-6 * Math.max(1, Math.abs(fdC)), "d/dπ⁺ of pair " + i);
            assertEquals(fdR, gR[i], 1e-6 * Math.max(1, Math.abs(fdR)), "d/dπ⁻ of pair " + i);
        }
    }

    /** r⁺ and r⁻ require grad, yet after backward their gradient is undefined or zero; rewards are detached. */
    static void checkNoReferenceGradient(Pair[] pairs, Function<Leaves, LossResult> loss) {
        try (PointerScope scope = new PointerScope()) {
            Leaves l = leaves(pairs, true, true);
            LossResult r = loss.apply(l);
            assertFalse(r.chosenRewards().requires_grad(), "chosen rewards carry gradient");
            assertFalse(r.rejectedRewards().requires_grad(), "rejected rewards carry gradient");
            r.losses().sum().backward();
            assertNoGradient(l.refC(), "r⁺");
            assertNoGradient(l.refR(), "r⁻");
        }
    }

    /** The gradient of a leaf, zeros if nothing reached it (e.g. SFT never reads π⁻). */
    static double[] gradient(Tensor leaf) {
        Tensor g = leaf.grad();
        return g.defined() ? toDoubles(g) : new double[(int) leaf.numel()];
    }

    static void assertNoGradient(Tensor leaf, String name) {
        Tensor g = leaf.grad();
        if (g.defined()) {
            for (double v : toDoubles(g)) assertEquals(0.0, v, 0.0, "gradient reached " + name);
        }
    }

    /** Losses and their gradients are finite (no inf, no NaN). */
    static void checkFinite(Pair[] pairs, Function<Leaves, LossResult> loss) {
        try (PointerScope scope = new PointerScope()) {
            Leaves l = leaves(pairs, true, false);
            Tensor losses = loss.apply(l).losses();
            assertAllFinite(toDoubles(losses), "loss");
            losses.sum().backward();
            assertAllFinite(gradient(l.piC()), "d/dπ⁺");
            assertAllFinite(gradient(l.piR()), "d/dπ⁻");
        }
    }

    static void assertAllFinite(double[] xs, String what) {
        for (int i = 0; i < xs.length; i++) assertTrue(Double.isFinite(xs[i]), what + " [" + i + "] = " + xs[i]);
    }

    static double centralDifference(java.util.function.DoubleUnaryOperator f, double x) {
        return (f.applyAsDouble(x + H) - f.applyAsDouble(x - H)) / (2 * H);
    }

    private static double total(Pair[] pairs, Function<Leaves, LossResult> loss) {
        return Arrays.stream(values(pairs, loss)).sum();
    }

    private static Pair[] replace(Pair[] pairs, int i, Pair p) {
        Pair[] out = pairs.clone();
        out[i] = p;
        return out;
    }
}
