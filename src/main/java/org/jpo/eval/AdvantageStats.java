package org.jpo.eval;

import java.util.Arrays;

/**
 * The distribution of a round's advantages ({@code pairs.strategy: group}), in its counts in rounds.jsonl and the
 * manifest: how many, mean, std (population), min, quantiles (linear interpolation, numpy's default) and max.
 */
public record AdvantageStats(int count, double mean, double std, double min, double p10, double p25, double p50, double p75, double p90,
                             double max) {
    /** Of {@code a} (non-empty). */
    public static AdvantageStats of(double[] a) {
        if (a.length == 0) throw new IllegalArgumentException("no advantages");
        double[] s = a.clone();
        Arrays.sort(s);
        double mean = Arrays.stream(s).average().orElseThrow();
        double var = Arrays.stream(s).map(x -> (x - mean) * (x - mean)).sum() / s.length;
        return new AdvantageStats(s.length, mean, Math.sqrt(var), s[0], quantile(s, 0.1), quantile(s, 0.25), quantile(s, 0.5),
                quantile(s, 0.75), quantile(s, 0.9), s[s.length - 1]);
    }

    /** The q-quantile of sorted {@code s}: s[h] interpolated at h = q·(n − 1). */
    static double quantile(double[] s, double q) {
        double h = q * (s.length - 1);
        int lo = (int) Math.floor(h), hi = Math.min(s.length - 1, lo + 1);
        return s[lo] + (h - lo) * (s[hi] - s[lo]);
    }
}
