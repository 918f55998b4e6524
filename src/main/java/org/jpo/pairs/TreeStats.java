package org.jpo.pairs;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.Map;

import static com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL;

/**
 * What a round's search trees held and the step pairs made of them ({@code sampling.tree}), for rounds.jsonl, the
 * manifest and the report.
 *
 * @param trees         one per prompt
 * @param nodes         nodes, roots included
 * @param expanded      nodes with children: each is a candidate pair
 * @param deepest       the greatest depth any node reached
 * @param evaluations   scored completions (terminal steps and rollouts): the round's samples.jsonl rows
 * @param sampledTokens every token the trees generated, steps and rollouts (= Σ tokens of samples.jsonl)
 * @param pairsByDepth  pairs made at each depth of the expanded node (0 = the prompt's first step)
 * @param qGap          the kept pairs' Q gaps (chosen_q − rejected_q); null without pairs
 */
@JsonInclude(NON_NULL)
public record TreeStats(int trees, int nodes, int expanded, int deepest, int evaluations, long sampledTokens,
                        Map<Integer, Integer> pairsByDepth, Gaps qGap) {
    /** A distribution's summary: quantiles by linear interpolation between order statistics (numpy's default). */
    public record Gaps(double min, double p25, double median, double p75, double max, double mean) {
        static Gaps of(double[] sorted) {
            double mean = java.util.Arrays.stream(sorted).average().orElseThrow();
            return new Gaps(sorted[0], quantile(sorted, 0.25), quantile(sorted, 0.5), quantile(sorted, 0.75), sorted[sorted.length - 1], mean);
        }

        static double quantile(double[] sorted, double q) {
            double at = q * (sorted.length - 1);
            int lo = (int) Math.floor(at), hi = (int) Math.ceil(at);
            return sorted[lo] + (at - lo) * (sorted[hi] - sorted[lo]);
        }
    }
}
