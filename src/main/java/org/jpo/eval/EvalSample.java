package org.jpo.eval;

/**
 * One held-out completion as the eval reads it.
 *
 * @param promptId    its prompt
 * @param greedy      the greedy completion (one per prompt), else a sampled one
 * @param sampleIndex 0..k-1 among the prompt's sampled completions (0 for the greedy one)
 * @param score       its combined feedback score; null = missing (left out of the means, counted)
 * @param tokens      its length in tokens
 * @param logp        log π(y|x) under the evaluated policy
 * @param initialLogp log π₀(y|x) under the starting policy
 */
public record EvalSample(String promptId, boolean greedy, int sampleIndex, Double score, int tokens, double logp, double initialLogp) {}
