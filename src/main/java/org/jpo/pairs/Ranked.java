package org.jpo.pairs;

import java.util.List;

/**
 * A prompt's scored samples as one ranked list ({@code list}), best first: by score, highest first, equal scores in
 * sample-index order. Equal scores stay ties: the listwise losses read the scores, never the order of tied samples.
 *
 * @param indexes the samples' indexes, best first (two or more)
 * @param scores  their scores, in the same order (not all equal)
 */
public record Ranked(String promptId, List<Integer> indexes, List<Double> scores) {
    public Ranked {
        indexes = List.copyOf(indexes);
        scores = List.copyOf(scores);
        if (indexes.size() != scores.size() || indexes.size() < 2) {
            throw new IllegalArgumentException(promptId + ": a ranked list needs two or more samples with a score each, got "
                    + indexes.size() + " indexes and " + scores.size() + " scores");
        }
    }
}
