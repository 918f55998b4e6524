package org.jpo.feedback;

import org.jpo.config.ApiKeys;
import org.jpo.config.Hints;

import java.util.List;

/**
 * A scorer as a config file names it: one {@code type:}-tagged entry of a {@code feedback:} list ({@link FeedbackItem}).
 * A verifier is its own config; a reward model's config says where the model is, and {@link #open} loads it.
 */
@Hints(ApiKeys.HINT)
public sealed interface ScorerConfig
        permits Verifier, RewardModelConfig, EnsembleConfig, ImplicitRewardConfig, JudgeConfig, PairwiseJudgeConfig, SelfConsistency {
    /** The scorer, ready to score; the caller closes it if it is {@link AutoCloseable} (a reward model holds native memory). */
    Scorer open(ScorerContext context);

    /** The prompt-row fields the scorer reads, so a run can check its prompts before sampling; none by default. */
    default List<String> rowFields() { return List.of(); }

    /** Whether its scorer compares a prompt's completions with each other ({@link Scorer#pairwise}), giving win_probs. */
    default boolean comparesCompletions() { return false; }
}
