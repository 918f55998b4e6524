package org.jpo.loop;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.eval.RoundRecord;
import org.jpo.io.Jsonl;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/** early_stop and best/ on hand-made rounds.jsonl lines. */
class EarlyStopTest {
    static final String M = "eval/mean_score";

    static List<RoundRecord> rounds(double... scores) {
        List<ObjectNode> out = new ArrayList<>();
        for (int r = 0; r < scores.length; r++) out.add(Jsonl.JSON.createObjectNode().put("round", r).put(M, scores[r]));
        return typed(out);
    }

    /** rounds.jsonl lines as the loop reads them. */
    static List<RoundRecord> typed(List<ObjectNode> lines) {
        return lines.stream().map(l -> Jsonl.ROWS.convertValue(l, RoundRecord.class)).toList();
    }

    @Test void stopsOncePatienceRoundsPassWithoutImprovement() {
        assertFalse(Rounds.patienceRanOut(rounds(0.1, 0.3, 0.2), 2, M), "one round since the best");
        assertTrue(Rounds.patienceRanOut(rounds(0.1, 0.3, 0.2, 0.3), 2, M), "equal is not better: two rounds since round 1");
        assertFalse(Rounds.patienceRanOut(rounds(0.1, 0.3, 0.2, 0.4), 2, M));
        assertTrue(Rounds.patienceRanOut(rounds(0.5, 0.3), 1, M), "round 0 counts as the best so far");
        assertFalse(Rounds.patienceRanOut(rounds(0.5, 0.3, 0.2, 0.1), 0, M), "patience 0 never stops");
    }

    @Test void bestIsTheFirstTrainedRoundWithTheTopScoreOrNone() {
        assertEquals(Optional.of(1), Rounds.best(rounds(0.1, 0.3, 0.2, 0.3), M));
        assertEquals(Optional.empty(), Rounds.best(rounds(0.5, 0.3, 0.5), M), "no round beat the starting policy");
        List<ObjectNode> missing = List.of(Jsonl.JSON.createObjectNode().put("round", 0).put(M, 0.1), Jsonl.JSON.createObjectNode().put("round", 1));
        missing.get(1).putNull(M);
        assertEquals(Optional.empty(), Rounds.best(typed(missing), M), "a null metric is not a score");
    }
}
