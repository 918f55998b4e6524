package org.jpo.data;

/**
 * A sampled completion with its group-relative advantage (grpo, dr_grpo, rloo), plus its score and its group's std for
 * the metrics TRL logs ({@code reward}, {@code reward_std}, {@code frac_reward_zero_std}).
 */
public record GroupExample(String source, int[] prompt, int[] completion, double advantage, double score, double groupStd) implements Example {
    public GroupExample {
        Example.checkNotEmpty(source, prompt, completion);
        if (!Double.isFinite(advantage)) throw new IllegalArgumentException(source + ": advantage must be finite, got " + advantage);
    }
}
