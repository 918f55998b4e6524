package org.jpo.pairs;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;

import java.io.IOException;
import java.util.List;

import static com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL;

/**
 * A training row of {@code pairs.jsonl}, in TRL's columns (prompt / chosen / rejected; completion + label for KTO;
 * completion for SFT and for the group methods, as TRL's GRPOTrainer reads them; completions + scores for a ranked list) as
 * text to read, plus the token ids the policy is trained on, so the loop trains on exactly
 * what it sampled. Each points back at its prompt and samples. The snake_case field names are a contract.
 */
@JsonDeserialize(using = PairRow.Reader.class)
public sealed interface PairRow permits PairRow.Preference, PairRow.Labeled, PairRow.Sft, PairRow.StepPair, PairRow.Group, PairRow.Ranked {
    String promptId();

    int promptIndex();

    String prompt();

    /**
     * A preference pair.
     *
     * @param margin        chosen score − rejected score (of the length-penalized scores for {@code length_penalized})
     * @param chosenWinProb sppo: the chosen sample's mean win probability against the others; null otherwise
     * @param preference    round_robin: the pairwise scorer's P(chosen ≻ rejected), in [½, 1]; null otherwise
     */
    @JsonInclude(NON_NULL) @JsonDeserialize(using = JsonDeserializer.None.class)
    record Preference(String promptId, int promptIndex, String prompt, String chosen, String rejected, int chosenIndex, int rejectedIndex,
                      double chosenScore, double rejectedScore, double margin, Double chosenWinProb, Double rejectedWinProb,
                      int[] chosenIds, int[] rejectedIds, Double preference) implements PairRow {}

    /** An unpaired (KTO) row: desirable when its score reached the threshold. */
    @JsonDeserialize(using = JsonDeserializer.None.class)
    record Labeled(String promptId, int promptIndex, String prompt, String completion, int completionIndex, double score,
                   int[] completionIds, boolean label) implements PairRow {}

    /** A completion to fine-tune on ({@code best}). */
    @JsonDeserialize(using = JsonDeserializer.None.class)
    record Sft(String promptId, int promptIndex, String prompt, String completion, int completionIndex, double score,
               int[] completionIds) implements PairRow {}

    /**
     * A step-level pair from a search tree ({@code sampling.tree}, MCTS-DPO arXiv:2405.00451): two children of one
     * expanded node, the highest-Q child's step chosen and the lowest-Q child's rejected. Both follow the same prompt and
     * prefix of steps, token for token: training reads prompt ids + {@code prefix_ids}, never re-tokenized text.
     *
     * @param prompt       the prompt's text followed by the prefix's (TRL's prompt column: what both steps follow)
     * @param prefix       the prefix steps' text alone
     * @param depth        the expanded node's depth: how many steps the prefix holds
     * @param node         the expanded node's id in trees.jsonl; chosen_node, rejected_node its children's
     * @param margin       chosen_q − rejected_q
     * @param visits       N of the expanded node; chosen_visits, rejected_visits its children's
     */
    @JsonDeserialize(using = JsonDeserializer.None.class)
    record StepPair(String promptId, int promptIndex, String prompt, String prefix, String chosen, String rejected, int depth, int node,
                    int chosenNode, int rejectedNode, double chosenQ, double rejectedQ, double margin, int visits, int chosenVisits,
                    int rejectedVisits, int[] prefixIds, int[] chosenIds, int[] rejectedIds) implements PairRow {}

    /**
     * A sample of a group ({@code group}): its score and group-relative advantage, and its group's size, mean and
     * (unbiased) std, for grpo, dr_grpo and rloo. For nash_md the score is P(sample ≻ its opponent), the advantage that
     * minus ½, and {@code opponent_index} the opponent's sample index (null otherwise).
     */
    @JsonInclude(NON_NULL) @JsonDeserialize(using = JsonDeserializer.None.class)
    record Group(String promptId, int promptIndex, String prompt, String completion, int completionIndex, double score, double advantage,
                 int groupSize, double groupMean, double groupStd, int[] completionIds, Integer opponentIndex) implements PairRow {
        public Group(String promptId, int promptIndex, String prompt, String completion, int completionIndex, double score, double advantage,
                     int groupSize, double groupMean, double groupStd, int[] completionIds) {
            this(promptId, promptIndex, prompt, completion, completionIndex, score, advantage, groupSize, groupMean, groupStd, completionIds, null);
        }
    }

    /**
     * A prompt's scored samples as one ranked list ({@code list}), best first; equal scores are ties, which the listwise
     * losses never order. TRL has no listwise trainer: the columns are {@code prompt}, {@code completions} and
     * {@code scores} (as {@code jpo train}'s ranked rows), plus each completion's sample index and token ids.
     *
     * @param completionIndexes the samples' indexes within their prompt, in the list's order
     * @param completionIds     the ids trained on, one array per completion, in the list's order
     */
    @JsonDeserialize(using = JsonDeserializer.None.class)
    record Ranked(String promptId, int promptIndex, String prompt, List<String> completions, double[] scores, int[] completionIndexes,
                  int[][] completionIds) implements PairRow {}

    /**
     * Which row a line is, by its columns (TRL's): completions make a ranked list, prefix ids a step pair, chosen a pair,
     * a label a KTO row, an advantage a group row, else an SFT target.
     */
    final class Reader extends StdDeserializer<PairRow> {
        Reader() { super(PairRow.class); }

        @Override public PairRow deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
            JsonNode row = p.readValueAsTree();
            Class<? extends PairRow> kind = row.has("completions") ? Ranked.class : row.has("prefix_ids") ? StepPair.class
                    : row.has("chosen") ? Preference.class
                    : row.has("label") ? Labeled.class : row.has("advantage") ? Group.class : Sft.class;
            return ctx.readTreeAsValue(row, kind);
        }
    }
}
