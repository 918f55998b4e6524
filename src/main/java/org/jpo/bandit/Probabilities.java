package org.jpo.bandit;

import java.util.SplittableRandom;

/** Plain double arithmetic on distributions over K actions: metrics and sampling, never training. */
public final class Probabilities {
    private Probabilities() {}

    public static double sigmoid(double x) { return 1 / (1 + Math.exp(-x)); }

    /** Σ_y p(y)·f(y). */
    public static double expectation(double[] p, double[] f) {
        double e = 0;
        for (int y = 0; y < p.length; y++) e += p[y] * f[y];
        return e;
    }

    /** KL(p‖q) = Σ_y p(y)·log(p(y)/q(y)), with 0·log 0 = 0. */
    public static double kl(double[] p, double[] q) {
        double d = 0;
        for (int y = 0; y < p.length; y++) if (p[y] > 0) d += p[y] * Math.log(p[y] / q[y]);
        return d;
    }

    /** log-softmax: the log-probabilities of the distribution ∝ exp(logits). */
    public static double[] logNormalize(double[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : logits) max = Math.max(max, v);
        double z = 0;
        for (double v : logits) z += Math.exp(v - max);
        double lse = max + Math.log(z);
        double[] out = new double[logits.length];
        for (int y = 0; y < out.length; y++) out[y] = logits[y] - lse;
        return out;
    }

    public static double[] normalize(double[] weights) {
        double z = 0;
        for (double w : weights) z += w;
        double[] out = new double[weights.length];
        for (int y = 0; y < out.length; y++) out[y] = weights[y] / z;
        return out;
    }

    public static double[] log(double[] p) {
        double[] out = new double[p.length];
        for (int y = 0; y < out.length; y++) out[y] = Math.log(p[y]);
        return out;
    }

    /** One draw from p by inversion. */
    public static int sample(double[] p, SplittableRandom rng) { return sampleExcept(p, -1, rng); }

    /** One draw from p conditioned on not being {@code excluded} (−1: no exclusion). */
    public static int sampleExcept(double[] p, int excluded, SplittableRandom rng) {
        double mass = 1 - (excluded >= 0 ? p[excluded] : 0);
        double u = rng.nextDouble() * mass;
        int last = -1;
        for (int y = 0; y < p.length; y++) {
            if (y == excluded || p[y] == 0) continue;
            last = y;
            u -= p[y];
            if (u < 0) return y;
        }
        return last;   // u ran past the end by rounding
    }
}
