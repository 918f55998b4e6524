package org.jpo.feedback;

/**
 * One scorer's verdict on one completion. A missing score is explicit: {@code value} null and
 * {@code details} saying why, never 0.
 *
 * @param completionRef the completion scored (see {@link Scorer#score} for what a scorer puts here)
 * @param scorer        which scorer gave it, e.g. {@code reward_model:runs/rm}
 * @param value         the score, finite; null when missing
 * @param details       free text: the reason when missing, else optional (null)
 */
public record Score(String completionRef, String scorer, Double value, String details) {
    public Score {
        if (scorer == null || scorer.isBlank()) throw new IllegalArgumentException("score of " + completionRef + ": scorer is missing");
        if (value == null && (details == null || details.isBlank())) {
            throw new IllegalArgumentException("score of " + completionRef + " by " + scorer + ": a missing value needs a reason");
        }
        if (value != null && !Double.isFinite(value)) {
            throw new IllegalArgumentException("score of " + completionRef + " by " + scorer + " is " + value + "; report it missing instead");
        }
    }

    public static Score of(String completionRef, String scorer, double value) {
        return new Score(completionRef, scorer, value, null);
    }

    public static Score missing(String completionRef, String scorer, String reason) {
        return new Score(completionRef, scorer, null, reason);
    }

    public boolean isMissing() { return value == null; }
}
