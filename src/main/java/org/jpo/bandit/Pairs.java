package org.jpo.bandit;

import java.util.Arrays;

/**
 * Preference pairs over the actions of one bandit: {@code chosen[i] ≻ rejected[i]}, each entering the
 * loss mean with {@code weight[i]} (1 for a sampled pair, a probability for an exact expectation).
 */
public record Pairs(int[] chosen, int[] rejected, double[] weight) {
    public Pairs {
        if (chosen.length != rejected.length || chosen.length != weight.length) {
            throw new IllegalArgumentException("pairs: chosen " + chosen.length + ", rejected " + rejected.length
                    + ", weight " + weight.length + " entries; they must match");
        }
        for (double w : weight) {
            if (!(w >= 0)) throw new IllegalArgumentException("pairs: weight must be >= 0, got " + w);
        }
    }

    /** Sampled pairs: every pair has weight 1. */
    public static Pairs of(int[] chosen, int[] rejected) {
        double[] ones = new double[chosen.length];
        Arrays.fill(ones, 1);
        return new Pairs(chosen, rejected, ones);
    }

    public int size() { return chosen.length; }

    public double totalWeight() { return Arrays.stream(weight).sum(); }

    /** These pairs followed by {@code more}: the data set after another round of labelling. */
    public Pairs plus(Pairs more) {
        return new Pairs(concat(chosen, more.chosen), concat(rejected, more.rejected), concat(weight, more.weight));
    }

    /**
     * The same pairs with each distinct (chosen, rejected) listed once, carrying the summed weight, in order
     * of first appearance. In a bandit a pair's loss depends only on its two actions, so the weighted mean
     * loss is unchanged while the batch shrinks to at most K·(K−1) rows.
     */
    public Pairs merged() {
        java.util.Map<Long, Integer> row = new java.util.HashMap<>();
        int[] c = new int[size()], r = new int[size()];
        double[] w = new double[size()];
        int n = 0;
        for (int i = 0; i < size(); i++) {
            long key = ((long) chosen[i] << 32) | (rejected[i] & 0xffffffffL);
            Integer at = row.get(key);
            if (at == null) {
                row.put(key, n);
                c[n] = chosen[i];
                r[n] = rejected[i];
                at = n++;
            }
            w[at] += weight[i];
        }
        return new Pairs(Arrays.copyOf(c, n), Arrays.copyOf(r, n), Arrays.copyOf(w, n));
    }

    private static int[] concat(int[] a, int[] b) {
        int[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static double[] concat(double[] a, double[] b) {
        double[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
