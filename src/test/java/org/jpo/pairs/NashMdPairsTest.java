package org.jpo.pairs;

import org.jpo.sampling.FinishReason;
import org.jpo.sampling.SampleRow;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.*;

/**
 * nash_md's rows on hand-made samples: each policy sample k's P(y_k ≻ y′_k) is read from its win_probs at its opponent's
 * index n + k (not from its combined score), its advantage is P − ½, the opponents are no rows, and a match whose
 * preference is unknown leaves its sample out as missing.
 */
class NashMdPairsTest {
    static final PairsConfig GROUP = new PairsConfig(Strategy.GROUP, 0.0, 0.0, Optional.empty(), 1, PairsConfig.Eos.FINISHED_ONLY, 0.0);

    /** A scored row; {@code winProbs} by sample index ({@code null} entries: pairs not compared). */
    static SampleRow row(SampleRow.Policy policy, int index, Double score, Double... winProbs) {
        var scoring = new SampleRow.Scoring(score, score == null ? "pairwise_judge:j: judge output unparseable" : null, null, Map.of(), Map.of(), Map.of(),
                Map.of(), Arrays.asList(winProbs));
        return new SampleRow("p", 0, policy, false, index, "x", "completion " + index, new int[] {index + 3}, FinishReason.STOP, 1, -1.0, index,
                scoring, null, null);
    }

    @Test void eachPolicySampleAgainstItsOpponent() {
        var cur = SampleRow.Policy.CURRENT;
        var mix = SampleRow.Policy.MIXTURE;
        List<SampleRow> rows = new ArrayList<>(List.of(
                // three policy samples (0..2) and their opponents (3..5); sample 0's combined score is not its P
                row(cur, 0, 0.9, null, null, null, 0.25),
                row(cur, 1, 1.0, null, null, null, null, 1.0),
                row(cur, 2, null, null, null, null, null, null, null),          // the judge could not decide this match
                row(mix, 3, 0.75, 0.75),
                row(mix, 4, 0.0, null, 0.0),
                row(mix, 5, null, null, null, null)));
        java.util.Collections.reverse(rows);   // the order of the rows does not matter
        PairRows.Rows out = PairRows.build(rows, GROUP, 7, 1, OptionalInt.empty(), true, Advantages.Kind.NASH_MD);
        assertEquals(2, out.rows().size());
        PairRow.Group first = (PairRow.Group) out.rows().get(0), second = (PairRow.Group) out.rows().get(1);
        assertEquals(List.of(0, 1), List.of(first.completionIndex(), second.completionIndex()));
        assertEquals(0.25, first.score());
        assertEquals(0.25 - 0.5, first.advantage());
        assertEquals(3, first.opponentIndex());
        assertEquals(1.0, second.score());
        assertEquals(0.5, second.advantage());
        assertEquals(4, second.opponentIndex());
        Counts c = out.outcome().counts();
        assertEquals(3, c.samples(), "the opponents are not samples to train on");
        assertEquals(1, c.missing());
        assertEquals(2, c.grouped());
    }

    @Test void groupRowsOfTheOtherLossesHaveNoOpponent() throws Exception {
        SampleRow a = row(SampleRow.Policy.CURRENT, 0, 1.0), b = row(SampleRow.Policy.CURRENT, 1, 0.0);
        PairRow.Group g = (PairRow.Group) PairRows.build(List.of(a, b), GROUP, 7, 1, OptionalInt.empty(), false, Advantages.Kind.RLOO).rows().get(0);
        assertNull(g.opponentIndex());
        String json = org.jpo.io.Jsonl.ROWS.writeValueAsString(g);
        assertFalse(json.contains("opponent_index"), json);
        assertEquals(g.advantage(), ((PairRow.Group) org.jpo.io.Jsonl.ROWS.readValue(json, PairRow.class)).advantage());
    }
}
