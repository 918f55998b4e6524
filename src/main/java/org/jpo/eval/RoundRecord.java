package org.jpo.eval;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;

import java.util.List;
import java.util.Map;

import static com.fasterxml.jackson.annotation.JsonInclude.Include.ALWAYS;
import static com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL;

/**
 * One line of {@code rounds.jsonl}: a finished round's eval keys, counts, seconds per phase, last training log and
 * scorer numbers. Round 0 is the starting policy's eval (eval keys and timings only). The field names are a contract.
 *
 * @param timings seconds per phase ({@link Phase} names; a remote policy adds {@code sync})
 * @param train   the round's last training log line (TRL's metric names), null when it trained on nothing
 * @param tree    sampling.tree: the round's trees and step pairs (pairs per depth, the Q-gap distribution); null otherwise
 */
@JsonInclude(NON_NULL) @JsonIgnoreProperties(ignoreUnknown = true)   // a newer jpo's keys: the report still reads the line
public record RoundRecord(int round, @JsonUnwrapped EvalResult eval, Counts counts, Map<String, Double> timings,
                          Map<String, Double> train, Map<String, ScorerStats> scorers, List<Agreement> scorerAgreement,
                          org.jpo.pairs.TreeStats tree) {

    /** A round's phases, by their names in {@code timings}, in the order a round runs them; a remote policy's syncs last. */
    public enum Phase {
        SAMPLE, SCORE, REFERENCE_LOGPS, TRAIN, EVAL, SYNC;

        public String key() { return name().toLowerCase(java.util.Locale.ROOT); }
    }

    /**
     * What pairing counted, plus the scored samples and the rows the round trained on.
     *
     * @param scored       samples with a score (the rest are {@code missing})
     * @param trainingRows null until the round trained
     * @param grouped      {@code group}: samples kept with their advantages (null for the other strategies)
     * @param advantages   {@code group}: the distribution of those advantages (null for the other strategies, or none kept)
     * @param lists        {@code list}: ranked lists made, one per prompt kept (null for the other strategies)
     */
    @JsonInclude(NON_NULL)
    public record Counts(int prompts, int samples, int scored, int missing, int pairs, int labeled, int sftTargets, int tiesDropped,
                         int belowMargin, int belowThreshold, int reversed, int allTied, int tooFew, int uncertain, Integer trainingRows,
                         Integer grouped, AdvantageStats advantages, Integer lists) {
        public static Counts of(org.jpo.pairs.Counts c, int scored) {
            return new Counts(c.prompts(), c.samples(), scored, c.missing(), c.pairs(), c.labeled(), c.sftTargets(), c.tiesDropped(),
                    c.belowMargin(), c.belowThreshold(), c.reversed(), c.allTied(), c.tooFew(), c.uncertain(), null, null, null, null);
        }

        public Counts withTrainingRows(int n) {
            return new Counts(prompts, samples, scored, missing, pairs, labeled, sftTargets, tiesDropped, belowMargin, belowThreshold, reversed,
                    allTied, tooFew, uncertain, n, grouped, advantages, lists);
        }

        /** These counts with a group round's kept samples and their advantages' distribution (null when none were kept). */
        public Counts withAdvantages(int grouped, double[] advantages) {
            return new Counts(prompts, samples, scored, missing, pairs, labeled, sftTargets, tiesDropped, belowMargin, belowThreshold, reversed,
                    allTied, tooFew, uncertain, trainingRows, grouped, advantages.length == 0 ? null : AdvantageStats.of(advantages), lists);
        }

        /** These counts with a list round's ranked lists. */
        public Counts withLists(int lists) {
            return new Counts(prompts, samples, scored, missing, pairs, labeled, sftTargets, tiesDropped, belowMargin, belowThreshold, reversed,
                    allTied, tooFew, uncertain, trainingRows, grouped, advantages, lists);
        }
    }

    /**
     * One scorer's numbers over a round's samples (see {@link ScorerMetrics}).
     *
     * @param meanSpread        the mean of its scores' spreads, for scorers that give one
     * @param stats             the counts its scores carry, summed (a judge's judgments, unparsed answers, votes, flips)
     * @param statMeans         the same counts per completion it scored or left missing: a one-hot count's mean is a share,
     *                          e.g. a preference game's {@code kind_k}, the samples' kind distribution
     * @param positionBiasRates a pairwise judge's share of order flips, as {@code [member/]position_bias_rate}
     */
    @JsonInclude(NON_NULL)
    public record ScorerStats(int scored, int missing, @JsonInclude(ALWAYS) Double mean, @JsonInclude(ALWAYS) Double std, Double meanSpread,
                              Map<String, Double> stats, Map<String, Double> statMeans,
                              @JsonAnyGetter @JsonAnySetter Map<String, Double> positionBiasRates) {}

    /** Two scorers' agreement: of the pairs of one prompt's completions both order, the share ordered alike (null: none). */
    public record Agreement(List<String> scorers, int pairs, @JsonInclude(ALWAYS) Double agreement) {}
}
