package org.jpo.feedback;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One scorer's verdict on one completion. A missing score is explicit: {@code value} null and
 * {@code details} saying why, never 0.
 *
 * @param completionRef the completion scored (see {@link Scorer#score} for what a scorer puts here)
 * @param scorer        which scorer gave it, e.g. {@code reward_model:runs/rm}
 * @param value         the score, finite; null when missing
 * @param details       free text: the reason when missing, else optional (null)
 * @param std           the spread of the estimate, when the value is a mean of several (an ensemble's members, a
 *                      judge's k judgments): their population standard deviation; null = a single value
 * @param stats         counts behind the value, for the round's scorer metrics, e.g. a judge's {@code judgments},
 *                      {@code unparsed}, {@code flips}; empty for most scorers
 * @param winProbs      a pairwise scorer's P(this ≻ completion k) for every completion k it was given with this one, in
 *                      their order: null at this completion's own position and where the pair is unknown; null (the
 *                      whole list) for scorers that judge completions one at a time
 */
public record Score(String completionRef, String scorer, Double value, String details, Double std, Map<String, Double> stats,
                    List<Double> winProbs) {
    public Score {
        if (scorer == null || scorer.isBlank()) throw new IllegalArgumentException("score of " + completionRef + ": scorer is missing");
        if (value == null && (details == null || details.isBlank())) {
            throw new IllegalArgumentException("score of " + completionRef + " by " + scorer + ": a missing value needs a reason");
        }
        if (value != null && !Double.isFinite(value)) {
            throw new IllegalArgumentException("score of " + completionRef + " by " + scorer + " is " + value + "; report it missing instead");
        }
        if (std != null && !(std >= 0 && Double.isFinite(std))) {
            throw new IllegalArgumentException("score of " + completionRef + " by " + scorer + ": std must be finite and >= 0, got " + std);
        }
        stats = stats == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(stats));
        stats.forEach((k, v) -> {
            if (v == null || !Double.isFinite(v)) throw new IllegalArgumentException("score of " + completionRef + " by " + scorer + ": stat " + k + " is " + v);
        });
        if (winProbs != null) {
            for (Double p : winProbs) {
                if (p != null && !(p >= 0 && p <= 1)) {
                    throw new IllegalArgumentException("score of " + completionRef + " by " + scorer + ": a win probability must be in [0, 1], got " + p);
                }
            }
            winProbs = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(winProbs));
        }
    }

    public Score(String completionRef, String scorer, Double value, String details, Double std, Map<String, Double> stats) {
        this(completionRef, scorer, value, details, std, stats, null);
    }

    public Score(String completionRef, String scorer, Double value, String details) {
        this(completionRef, scorer, value, details, null, Map.of());
    }

    public static Score of(String completionRef, String scorer, double value) {
        return new Score(completionRef, scorer, value, null);
    }

    public static Score missing(String completionRef, String scorer, String reason) {
        return new Score(completionRef, scorer, null, reason);
    }

    public boolean isMissing() { return value == null; }
}
