package org.jpo.feedback;

import org.jpo.config.Check;
import org.jpo.config.Inline;
import org.jpo.config.Key;

/**
 * One entry of a {@code feedback:} list: a scorer chosen by its {@code type} with that type's keys beside
 * {@code weight}, e.g. {@code {type: contains, words: [park], weight: 2.0}}.
 */
public record FeedbackItem(
        @Key(value = "1.0", doc = "How much this scorer counts in the combined score, the weighted sum of the scorers' scores; > 0.")
        double weight,
        @Inline("Scorer") ScorerConfig scorer) {

    public FeedbackItem {
        // > 0: a zero weight is a scorer that only costs time (and can only make scores missing), and a negative one
        // turns a verifier's "holds" into a penalty; to penalize a word use avoids, which says so
        Check.positive("weight", weight);
    }
}
