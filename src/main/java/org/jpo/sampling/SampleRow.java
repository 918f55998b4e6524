package org.jpo.sampling;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.List;
import java.util.Map;

import static com.fasterxml.jackson.annotation.JsonInclude.Include.ALWAYS;
import static com.fasterxml.jackson.annotation.JsonInclude.Include.NON_EMPTY;
import static com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL;

/**
 * One completion as a row of {@code samples.jsonl} and {@code eval_samples.jsonl} ({@code completions.jsonl} before
 * scoring): it points back at its prompt, carries what regenerates it (its seed) and what it was trained or judged on
 * (its token ids), then its scores and, in an eval, its log-probs. The snake_case field names are a contract.
 *
 * @param policy      whose sample it is: the policy being trained, the starting one ({@code anchored}), or nash_md's opponent
 *                    drawn from the geometric mixture of the policy and the reference
 * @param greedy      an eval's greedy completion (one per prompt)
 * @param sampleIndex unique among the prompt's rows of one phase: the initial policy's (or the mixture's) start after the current one's
 * @param logp        Σ log π(token) as sampled; null when the server sent no log-probs
 * @param scoring     null until scored
 * @param logpPolicy  eval: log π(y|x) under the evaluated policy, by a full forward
 * @param logpInitial eval: log π₀(y|x) under the starting policy
 */
@JsonInclude(NON_NULL)
public record SampleRow(String promptId, int promptIndex, Policy policy, boolean greedy, int sampleIndex, String prompt,
                        String completion, int[] completionIds, FinishReason finishReason, int tokens, @JsonInclude(ALWAYS) Double logp,
                        long seed, @JsonUnwrapped Scoring scoring, Double logpPolicy, Double logpInitial) {

    /** Whose sample a row is; {@code mixture}: nash_md's opponent, from π^β ∝ π^(1−β)·μ^β ({@link Mixture}). */
    public enum Policy {
        CURRENT, INITIAL, MIXTURE;

        @JsonValue public String wireName() { return name().toLowerCase(java.util.Locale.ROOT); }
    }

    /**
     * The feedback on one completion.
     *
     * @param score         the combined score; null when missing (then {@code missingReason} says why)
     * @param scoreStd      its spread when it is a mean of several estimates
     * @param scores        each scorer's value (null = missing), in the feedback's order
     * @param details       each scorer's free text, when it gave any
     * @param stds          each scorer's spread, when it gave one
     * @param stats         each scorer's counts behind its value (a judge's votes, unparsed answers, ...)
     * @param winProbs      a pairwise scorer's P(this ≻ sample k) for k = 0, 1, … the prompt's sample indexes (of this
     *                      phase): null at its own index and for pairs it did not compare; null for other scorers
     */
    @JsonInclude(NON_NULL)
    public record Scoring(@JsonInclude(ALWAYS) Double score, String missingReason, Double scoreStd, Map<String, Double> scores,
                          Map<String, String> details, @JsonInclude(NON_EMPTY) Map<String, Double> stds,
                          @JsonInclude(NON_EMPTY) Map<String, Map<String, Double>> stats, List<Double> winProbs) {
        public Scoring {
            if (scores == null) scores = Map.of();
        }

        public Scoring(Double score, String missingReason, Double scoreStd, Map<String, Double> scores, Map<String, String> details,
                       Map<String, Double> stds, Map<String, Map<String, Double>> stats) {
            this(score, missingReason, scoreStd, scores, details, stds, stats, null);
        }
    }

    public SampleRow {
        // read from a row with no score fields (completions.jsonl): not scored yet
        if (scoring != null && scoring.score() == null && scoring.missingReason() == null && scoring.scores().isEmpty()) scoring = null;
    }

    /** This row with its feedback. */
    public SampleRow scored(Scoring s) {
        return new SampleRow(promptId, promptIndex, policy, greedy, sampleIndex, prompt, completion, completionIds, finishReason, tokens, logp,
                seed, s, logpPolicy, logpInitial);
    }

    /** This row with its log-probs under the evaluated and the starting policy. */
    public SampleRow withLogps(double policy, double initial) {
        return new SampleRow(promptId, promptIndex, this.policy, greedy, sampleIndex, prompt, completion, completionIds, finishReason, tokens,
                logp, seed, scoring, policy, initial);
    }

    /** The combined score, null when missing or not scored. */
    public Double score() { return scoring == null ? null : scoring.score(); }

    /** The score's spread ({@code score_std}), 0 when it is a single value. */
    public double scoreStd() { return scoring == null || scoring.scoreStd() == null ? 0 : scoring.scoreStd(); }

    public boolean initial() { return policy == Policy.INITIAL; }

    /** The pairwise scorer's P(this ≻ sample k) by sample index k ({@code win_probs}), null when there is none. */
    public List<Double> winProbs() { return scoring == null ? null : scoring.winProbs(); }
}
