package org.jpo.loop;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.io.Jsonl;
import org.jpo.pairs.Outcome;
import org.jpo.pairs.PairRows;
import org.jpo.pairs.PairsConfig;
import org.jpo.sampling.SampleRow;
import org.jpo.pairs.Strategy;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.*;

/** Samples rows → pairs.jsonl rows: the ids trained on, and EOS only where a completion really ended. */
class PairingTest {
    static final int EOS = 2;

    static ObjectNode sample(String prompt, int index, Double score, String finish, int... ids) {
        ObjectNode o = Jsonl.JSON.createObjectNode().put("prompt_id", prompt).put("prompt_index", 0).put("policy", "current")
                .put("sample_index", index).put("prompt", "p").put("completion", "c" + index).put("finish_reason", finish).put("tokens", ids.length);
        if (score == null) o.putNull("score");
        else o.put("score", score);
        var a = o.putArray("completion_ids");
        for (int id : ids) a.add(id);
        return o;
    }

    /** pairs.jsonl rows as the JSON the run writes (the assertions read its field names), and the counts. */
    record Rows(List<ObjectNode> rows, Outcome outcome) {}

    static Rows build(List<ObjectNode> samples, PairsConfig config, long seed, int round, OptionalInt eos) {
        return build(samples, config, seed, round, eos, false);
    }

    static Rows build(List<ObjectNode> samples, PairsConfig config, long seed, int round, OptionalInt eos, boolean winProbs) {
        PairRows.Rows r = PairRows.build(samples.stream().map(x -> Jsonl.ROWS.convertValue(x, SampleRow.class)).toList(), config, seed, round,
                eos, winProbs);
        return new Rows(r.rows().stream().map(x -> (ObjectNode) Jsonl.ROWS.valueToTree(x)).toList(), r.outcome());
    }

    static PairsConfig config(PairsConfig.Eos eos) { return new PairsConfig(Strategy.BEST_WORST, 0, 0, Optional.empty(), 1, eos, 0.0); }

    @Test void finishedOnlyKeepsTheStopTokenAndAddsNoneToACutCompletion() {
        List<ObjectNode> s = List.of(sample("a", 0, 1.0, "length", 5, 6, 7), sample("a", 1, 0.0, "stop", 5, EOS), sample("a", 2, null, "stop", 9, EOS));
        ObjectNode row = build(s, config(PairsConfig.Eos.FINISHED_ONLY), 0, 1, OptionalInt.of(EOS)).rows().get(0);
        assertEquals("[5,6,7]", row.get("chosen_ids").toString(), "cut at max_new_tokens: no EOS");
        assertEquals("[5,2]", row.get("rejected_ids").toString(), "ended with EOS: kept once");
        assertEquals(0, row.get("chosen_index").intValue());
        assertEquals(1, row.get("rejected_index").intValue());
        assertEquals(1.0, row.get("margin").doubleValue());
    }

    @Test void alwaysAppendsEosToACutCompletionButNeverTwice() {
        List<ObjectNode> s = List.of(sample("a", 0, 1.0, "length", 5, 6, 7), sample("a", 1, 0.0, "stop", 5, EOS));
        ObjectNode row = build(s, config(PairsConfig.Eos.ALWAYS), 0, 1, OptionalInt.of(EOS)).rows().get(0);
        assertEquals("[5,6,7,2]", row.get("chosen_ids").toString());
        assertEquals("[5,2]", row.get("rejected_ids").toString());
    }

    @Test void missingScoresAreCountedAndTiedPromptsGiveNoRow() {
        List<ObjectNode> s = List.of(sample("a", 0, 1.0, "stop", 3, EOS), sample("a", 1, null, "stop", 4, EOS), sample("a", 2, 0.0, "stop", 5, EOS),
                sample("b", 0, 1.0, "stop", 3, EOS), sample("b", 1, 1.0, "stop", 4, EOS));
        Rows r = build(s, config(PairsConfig.Eos.FINISHED_ONLY), 0, 1, OptionalInt.of(EOS));
        assertEquals(1, r.rows().size());
        assertEquals(1, r.outcome().counts().missing());
        assertEquals(1, r.outcome().counts().allTied());
        assertEquals(2, r.rows().get(0).get("rejected_index").intValue(), "the missing sample is never the worst");
    }

    /** A pairwise judge's scores are win probabilities: sppo writes them as they are; score_std reaches uncertainty_k. */
    @Test void winProbabilityScoresAndScoreSpreadsReachThePairs() {
        List<ObjectNode> s = List.of(sample("a", 0, 0.75, "stop", 3, EOS), sample("a", 1, 0.25, "stop", 4, EOS), sample("a", 2, 0.5, "stop", 5, EOS));
        PairsConfig sppo = new PairsConfig(Strategy.SPPO, 0, 0, Optional.empty(), 1, PairsConfig.Eos.FINISHED_ONLY, 0.0);
        ObjectNode judged = build(s, sppo, 0, 1, OptionalInt.of(EOS), true).rows().get(0);
        assertEquals(List.of(0.75, 0.25), List.of(judged.get("chosen_win_prob").doubleValue(), judged.get("rejected_win_prob").doubleValue()));
        ObjectNode bt = build(s, sppo, 0, 1, OptionalInt.of(EOS), false).rows().get(0);
        assertEquals((1 / (1 + Math.exp(-0.5)) + 1 / (1 + Math.exp(-0.25))) / 2, bt.get("chosen_win_prob").doubleValue(), 1e-15);
        // gap 0.5 within 1 · hypot(0.3, 0.4) = 0.5: uncertain
        s.get(0).put("score_std", 0.3);
        s.get(1).put("score_std", 0.4);
        PairsConfig upo = new PairsConfig(Strategy.BEST_WORST, 0, 0, Optional.empty(), 1, PairsConfig.Eos.FINISHED_ONLY, 1.0);
        Rows r = build(s, upo, 0, 1, OptionalInt.of(EOS));
        assertEquals(List.of(), r.rows());
        assertEquals(1, r.outcome().counts().uncertain());
    }
}
