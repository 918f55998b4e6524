package org.jpo.bandit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The Nash updates on the spec's intransitive game, against numbers computed here from the game's three probabilities
 * alone: the mirror-descent and extragradient steps in closed form, and the regularized Nash equilibria by a fixed-point
 * iteration of their defining equation.
 */
class NashUpdatesTest {
    private static final NashUpdates.Result RESULT = NashUpdates.run();
    /** The game as spec/losses.md states it, written out here. */
    private static final double[][] GAME = {{0.5, 0.9, 0.3}, {0.1, 0.5, 0.8}, {0.7, 0.2, 0.5}};
    private static final double[] NASH = {1.0 / 3, 2.0 / 9, 4.0 / 9};
    private static final int LAST = NashUpdates.ITERATIONS - 1;

    private static double[] winRates(double[] pi) {
        double[] w = new double[3];
        for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) w[i] += GAME[i][j] * pi[j];
        return w;
    }

    private static double exploitability(double[] pi) {
        double[] w = winRates(pi);
        return Math.max(w[0], Math.max(w[1], w[2])) - 0.5;
    }

    private static double[] softmax(double[] z) {
        double m = Math.max(z[0], Math.max(z[1], z[2])), s = 0;
        double[] p = new double[3];
        for (int i = 0; i < 3; i++) s += p[i] = Math.exp(z[i] - m);
        for (int i = 0; i < 3; i++) p[i] /= s;
        return p;
    }

    /** π = softmax(P(·≻π)/τ) (uniform reference), by a damped fixed-point iteration on the logits. */
    private static double[] regularizedNash(double tau) {
        double[] z = new double[3];
        for (int it = 0; it < 20_000; it++) {
            double[] w = winRates(softmax(z));
            for (int i = 0; i < 3; i++) z[i] += 0.01 * (w[i] / tau - z[i]);
        }
        return softmax(z);
    }

    /** INPO's first iterate is the mirror step from uniform: π_1 ∝ exp(η·P(y≻uniform)) (uniform π_0 and π_ref drop out). */
    @Test void firstInpoIterateIsTheMirrorDescentStep() {
        double[] w = winRates(new double[] {1.0 / 3, 1.0 / 3, 1.0 / 3});
        double eta = 2;
        assertArrayEquals(softmax(new double[] {eta * w[0], eta * w[1], eta * w[2]}), RESULT.inpo()[0], 1e-9);
    }

    /** Measured: 4.6e-11 from the τ = 0.1 regularized Nash (0.3923, 0.2250, 0.3827), exploitability 0.0135; 0.062 from the Nash. */
    @Test void inpoConvergesToTheRegularizedNash() {
        double[] qre = regularizedNash(0.1), pi = RESULT.inpo()[LAST];
        System.out.printf("inpo: last %s, regularized Nash %s, exploitability %.6f, |pi - Nash| %.4f%n", java.util.Arrays.toString(pi),
                java.util.Arrays.toString(qre), exploitability(pi), maxDiff(pi, NASH));
        assertArrayEquals(qre, pi, 1e-9);
        assertEquals(exploitability(qre), exploitability(pi), 1e-9);
        assertTrue(exploitability(pi) < 0.014, "" + exploitability(pi));
    }

    /**
     * EGPO's first iterate by hand: with pairs weighted π(i)π(j)P(i≻j) and labelled i ≻ j, the egpo loss (P = 1: (δ − 1/(2β))²)
     * has gradient ∂L/∂θ_k = (2/W)·Σ_{i≠j} w_ij·(θ_i − θ_j − 1/(2β))·([k=i] − [k=j]), W = Σ w_ij.
     */
    @Test void firstEgpoIterateIsTheExtragradientStep() {
        double beta = 0.02, lr = 0.05;
        double[] theta = new double[3];
        double[] half = step(theta, theta, softmax(theta), beta, lr);
        double[] next = step(theta, theta, softmax(half), beta, lr);
        assertArrayEquals(softmax(next), RESULT.egpo()[0], 1e-12);
        assertArrayEquals(softmax(half), RESULT.onlineIpo()[0], 1e-12);   // online IPO's first step is the extrapolation
    }

    /** θ − lr·∇L(at) with the pairs of π_s. */
    private static double[] step(double[] theta, double[] at, double[] pis, double beta, double lr) {
        double[] g = new double[3];
        double wsum = 0;
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                if (i == j) continue;
                double w = pis[i] * pis[j] * GAME[i][j], e = at[i] - at[j] - 1 / (2 * beta);
                wsum += w;
                g[i] += 2 * w * e;
                g[j] -= 2 * w * e;
            }
        }
        double[] out = new double[3];
        for (int k = 0; k < 3; k++) out[k] = theta[k] - lr * g[k] / wsum;
        return out;
    }

    /** Measured: 1e-14 from the β = 0.02 regularized Nash (0.3487, 0.2174, 0.4339), exploitability 0.0045, 0.015 from the Nash; online IPO ends at (0.006, 0.015, 0.979), exploitability 0.29. */
    @Test void egpoConvergesToTheRegularizedNashAndOnlineIpoDoesNot() {
        double[] qre = regularizedNash(0.02), pi = RESULT.egpo()[LAST], ipo = RESULT.onlineIpo()[LAST];
        System.out.printf("egpo: last %s, regularized Nash %s, exploitability %.6f, |pi - Nash| %.4f; online IPO %s exploitability %.4f%n",
                java.util.Arrays.toString(pi), java.util.Arrays.toString(qre), exploitability(pi), maxDiff(pi, NASH),
                java.util.Arrays.toString(ipo), exploitability(ipo));
        assertArrayEquals(qre, pi, 1e-9);
        assertTrue(exploitability(pi) < 0.005, "" + exploitability(pi));
        assertTrue(maxDiff(ipo, qre) > 0.1, java.util.Arrays.toString(ipo));
    }

    /** The spo update's expectation over groups is ∇_θ of E_π[P(y≻π) − ½] with P(·≻π) held: π_k·(P(k≻π) − ½). */
    @Test void spoExpectedUpdateIsThePolicyGradientOfTheWinRate() {
        double[] theta = {0.3, -0.4, 0.9}, p = softmax(theta), w = winRates(p), u = NashUpdates.spoUpdate(theta);
        for (int k = 0; k < 3; k++) assertEquals(p[k] * (w[k] - 0.5), u[k], 1e-12);
    }

    /** Measured: the average iterate 0.0045 exploitable after 150 iterations, the last 0.037. */
    @Test void spoAverageApproachesTheNashAndTheLastIterateCycles() {
        double[] theta = new double[3], sum = new double[3];
        double[] pi = null;
        for (int t = 0; t < NashUpdates.ITERATIONS; t++) {   // the same ascent, on the closed-form update
            pi = softmax(theta);
            double[] w = winRates(pi);
            for (int k = 0; k < 3; k++) theta[k] += pi[k] * (w[k] - 0.5);
            pi = softmax(theta);
            for (int k = 0; k < 3; k++) sum[k] += pi[k];
        }
        double[] avg = {sum[0] / NashUpdates.ITERATIONS, sum[1] / NashUpdates.ITERATIONS, sum[2] / NashUpdates.ITERATIONS};
        assertArrayEquals(pi, RESULT.spo()[LAST], 1e-10);
        assertArrayEquals(avg, RESULT.spoAverage()[LAST], 1e-10);
        System.out.printf("spo: average %s exploitability %.4f, last exploitability %.4f%n", java.util.Arrays.toString(avg), exploitability(avg),
                exploitability(pi));
        assertTrue(exploitability(avg) < 0.01 && exploitability(pi) > 0.03);
    }

    @Test void everyCheckPasses() {
        assertTrue(RESULT.passed(), RESULT.claims().toString());
        assertEquals(NashUpdates.ITERATIONS, RESULT.table().rows().size());
    }

    private static double maxDiff(double[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }
}
