package org.jpo.pairs;

import java.util.List;

/**
 * One scored completion of a prompt.
 *
 * @param index   the completion's sample index within its prompt (unique per prompt, also across the initial
 *                policy's samples), what pairs point back at
 * @param score   the combined score; null = missing (left out of pairing and counted), never NaN
 * @param tokens  completion length in tokens (for {@code length_penalized})
 * @param initial a sample of the initial policy, read only by {@code anchored}; every other strategy ignores it
 * @param std     the score's standard deviation (an ensemble's or a judge's spread), 0 when it is a single value;
 *                read by {@code uncertainty_k}
 * @param winProbs a pairwise scorer's P(this ≻ sample k) by sample index k ({@code win_probs}; null entries: itself and
 *                pairs it did not compare); null without a pairwise scorer. Read by {@code round_robin}
 */
public record Sample(int index, Double score, int tokens, boolean initial, double std, List<Double> winProbs) {
    public Sample {
        if (index < 0) throw new IllegalArgumentException("sample index must be >= 0, got " + index);
        if (tokens < 0) throw new IllegalArgumentException("sample " + index + ": tokens must be >= 0, got " + tokens);
        if (score != null && !Double.isFinite(score)) {
            throw new IllegalArgumentException("sample " + index + ": score must be finite or null (missing), got " + score);
        }
        if (!(std >= 0 && Double.isFinite(std))) throw new IllegalArgumentException("sample " + index + ": std must be finite and >= 0, got " + std);
        if (winProbs != null) {
            for (Double p : winProbs) {
                if (p != null && !(p >= 0 && p <= 1)) throw new IllegalArgumentException("sample " + index + ": a win probability must be in [0, 1], got " + p);
            }
            winProbs = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(winProbs));
        }
    }

    public Sample(int index, Double score, int tokens, boolean initial, double std) { this(index, score, tokens, initial, std, null); }

    public Sample(int index, Double score, int tokens, boolean initial) { this(index, score, tokens, initial, 0); }

    /** A sample of the current policy. */
    public static Sample of(int index, Double score, int tokens) { return new Sample(index, score, tokens, false); }

    /** A sample of the initial policy, for {@code anchored}. */
    public static Sample ofInitial(int index, Double score, int tokens) { return new Sample(index, score, tokens, true); }

    boolean scored() { return score != null; }

    /** P(this ≻ sample k) as the pairwise scorer gave it, or null when it did not compare the two. */
    Double winProb(int k) { return winProbs == null || k >= winProbs.size() ? null : winProbs.get(k); }
}
