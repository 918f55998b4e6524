package org.jpo.eval;

/**
 * The few statistics {@code jpo compare} reports over seeds: a mean with its 95% Student t interval, and a paired
 * difference with its interval and two-sided paired t-test p-value. A handful of seeds is the usual sample, so the
 * interval uses t, not the normal 1.96 (with 5 seeds 1.96 covers only about 88%).
 * <p>Undefined values are NaN, never an exception: one seed has a mean but no interval; a constant difference over
 * two or more seeds has the interval [d, d] and p = 1 when d = 0, else 0. The t distribution's CDF is the regularized
 * incomplete beta function (Numerical Recipes, 3rd ed., §6.4: a continued fraction evaluated by the modified Lentz
 * method), its quantile found by bisection. No dependency beyond java.lang.Math.
 */
public final class Stats {
    private Stats() {}

    /** A mean over n values with its 95% interval; lo and hi are NaN when n < 2. */
    public record Estimate(int n, double mean, double sd, double lo, double hi) {}

    /**
     * The mean of recipe − baseline over n paired values, its 95% interval and the two-sided paired t-test p-value;
     * lo, hi and p are NaN when n < 2.
     */
    public record Paired(int n, double mean, double lo, double hi, double p) {}

    public static double mean(double[] x) {
        double s = 0;
        for (double v : x) s += v;
        return x.length == 0 ? Double.NaN : s / x.length;
    }

    /** The sample standard deviation (n − 1 in the denominator); NaN for fewer than two values. */
    public static double sd(double[] x) {
        if (x.length < 2) return Double.NaN;
        double m = mean(x), ss = 0;
        for (double v : x) ss += (v - m) * (v - m);
        return Math.sqrt(ss / (x.length - 1));
    }

    /** mean ± t_{0.975, n−1} · sd / √n. */
    public static Estimate estimate(double[] x) {
        double m = mean(x), sd = sd(x);
        if (x.length < 2) return new Estimate(x.length, m, sd, Double.NaN, Double.NaN);
        double half = tQuantile(0.975, x.length - 1) * sd / Math.sqrt(x.length);
        return new Estimate(x.length, m, sd, m - half, m + half);
    }

    /** recipe[i] − baseline[i] for each i (the same seed), as an estimate plus the p-value of "the mean difference is 0". */
    public static Paired paired(double[] recipe, double[] baseline) {
        if (recipe.length != baseline.length) throw new IllegalArgumentException("paired: " + recipe.length + " vs " + baseline.length + " values");
        double[] d = new double[recipe.length];
        for (int i = 0; i < d.length; i++) d[i] = recipe[i] - baseline[i];
        Estimate e = estimate(d);
        if (e.n() < 2) return new Paired(e.n(), e.mean(), Double.NaN, Double.NaN, Double.NaN);
        if (e.sd() == 0) return new Paired(e.n(), e.mean(), e.mean(), e.mean(), e.mean() == 0 ? 1 : 0);   // t would be 0/0 or ±∞
        double t = e.mean() / (e.sd() / Math.sqrt(e.n()));
        return new Paired(e.n(), e.mean(), e.lo(), e.hi(), twoSidedP(t, e.n() - 1));
    }

    /** P(|T| ≥ |t|) for T ~ Student t with df degrees of freedom: I_{df/(df+t²)}(df/2, 1/2). */
    public static double twoSidedP(double t, double df) {
        return incompleteBeta(df / (df + t * t), df / 2, 0.5);
    }

    /** P(T ≤ t) for T ~ Student t with df degrees of freedom. */
    public static double tCdf(double t, double df) {
        if (df <= 0) throw new IllegalArgumentException("df must be > 0, got " + df);
        double tail = 0.5 * twoSidedP(t, df);
        return t > 0 ? 1 - tail : tail;
    }

    /** The t with P(T ≤ t) = p, by bisection on {@link #tCdf} (monotone, so bisection cannot miss). */
    public static double tQuantile(double p, double df) {
        if (!(p > 0 && p < 1)) throw new IllegalArgumentException("p must be in (0, 1), got " + p);
        if (p < 0.5) return -tQuantile(1 - p, df);
        double lo = 0, hi = 1;
        while (tCdf(hi, df) < p) hi *= 2;   // df = 1, p = 0.975 needs 16; p = 1 - 1e-12 still ends
        for (int i = 0; i < 200 && hi - lo > 1e-13 * hi; i++) {
            double mid = (lo + hi) / 2;
            if (tCdf(mid, df) < p) lo = mid;
            else hi = mid;
        }
        return (lo + hi) / 2;
    }

    /** The regularized incomplete beta function I_x(a, b), a, b > 0, 0 ≤ x ≤ 1. */
    static double incompleteBeta(double x, double a, double b) {
        if (x <= 0) return 0;
        if (x >= 1) return 1;
        double front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x));
        // the continued fraction converges fast for x < (a+1)/(a+b+2); otherwise use I_x(a,b) = 1 − I_{1−x}(b,a)
        if (x < (a + 1) / (a + b + 2)) return front * betaFraction(x, a, b) / a;
        return 1 - front * betaFraction(1 - x, b, a) / b;
    }

    /** The continued fraction for I_x(a, b) by the modified Lentz method (Numerical Recipes §5.2, §6.4). */
    private static double betaFraction(double x, double a, double b) {
        final double tiny = 1e-300, eps = 1e-15;
        double c = 1, d = 1 / nonZero(1 - (a + b) * x / (a + 1), tiny), h = d;
        for (int m = 1; m <= 10_000; m++) {
            int m2 = 2 * m;
            double even = m * (b - m) * x / ((a - 1 + m2) * (a + m2));   // d_{2m}
            d = 1 / nonZero(1 + even * d, tiny);
            c = nonZero(1 + even / c, tiny);
            h *= d * c;
            double odd = -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1 + m2));   // d_{2m+1}
            d = 1 / nonZero(1 + odd * d, tiny);
            c = nonZero(1 + odd / c, tiny);
            double step = d * c;
            h *= step;
            if (Math.abs(step - 1) <= eps) return h;
        }
        throw new ArithmeticException("incomplete beta: no convergence for x=" + x + ", a=" + a + ", b=" + b);
    }

    private static double nonZero(double v, double tiny) { return Math.abs(v) < tiny ? tiny : v; }

    /** Lanczos coefficients for g = 7, n = 9 (relative error near 1e-15 for x ≥ 1/2). */
    private static final double[] LANCZOS = {0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7};

    /** ln Γ(x) for x ≥ 1/2 (all this class needs: a = df/2 ≥ 1/2, b = 1/2) by the Lanczos approximation. */
    static double logGamma(double x) {
        if (!(x >= 0.5)) throw new IllegalArgumentException("logGamma needs x >= 0.5, got " + x);
        double z = x - 1, sum = LANCZOS[0];
        for (int i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i] / (z + i);
        double t = z + 7.5;
        return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
    }
}
