package org.jpo.feedback;

import java.util.List;

/**
 * Completions in, scores out: verifiers, reward models, LLM judges and pairwise models all fit (a pairwise
 * judge scores a set by comparing within it). The same inputs give the same scores.
 */
public interface Scorer {
    /** What {@link Score#scorer} says, naming this scorer and its source. */
    String name();

    /**
     * One score per completion, in order. A scorer does not know completions' ids: {@code completionRef} is
     * the completion's position in {@code completions} ("0", "1", ...), for the caller to map back. A completion
     * the scorer cannot judge gets {@link Score#missing} with the reason, never a made-up value.
     */
    List<Score> score(ScoreInput input, List<String> completions);

    /**
     * What this scorer says about a set of completions as a whole (an eval's sampled ones), from each one's
     * {@link Score#stats}, as flat keys, e.g. a preference game's kind shares and its exploitability; empty for most.
     */
    default java.util.Map<String, Double> summarize(List<java.util.Map<String, Double>> stats) { return java.util.Map.of(); }

    /** Compares a prompt's completions with each other, giving each its {@link Score#winProbs}: a judge of pairs. */
    default boolean pairwise() { return false; }
}
