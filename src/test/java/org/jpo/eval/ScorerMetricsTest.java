package org.jpo.eval;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.io.Jsonl;
import org.jpo.sampling.SampleRow;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Per-scorer metrics and agreement by hand on samples.jsonl-shaped rows. */
class ScorerMetricsTest {
    static ObjectNode row(String prompt, Double a, Double b, String stats) {
        ObjectNode r = Jsonl.JSON.createObjectNode().put("prompt_id", prompt);
        ObjectNode s = r.putObject("scores");
        if (a == null) s.putNull("a"); else s.put("a", a);
        if (b == null) s.putNull("judge"); else s.put("judge", b);
        if (stats != null) {
            try {
                r.putObject("stats").set("judge", Jsonl.JSON.readTree(stats));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            r.putObject("stds").put("judge", 0.5);
        }
        return r;
    }

    static final List<ObjectNode> ROWS = List.of(
            row("p", 1.0, 0.9, "{\"comparisons\": 2, \"flips\": 1}"),
            row("p", 0.0, 0.2, "{\"comparisons\": 2, \"flips\": 0}"),
            row("p", 0.0, 0.5, "{\"comparisons\": 2, \"flips\": 1, \"unparsed\": 1}"),
            row("q", 2.0, 0.1, null),
            row("q", 1.0, null, null));

    @Test void eachScorerHasItsMeanSpreadMissingAndSummedStats() {
        ObjectNode m = metrics(ROWS);
        assertEquals(List.of("a", "judge"), iterable(m));
        ObjectNode a = (ObjectNode) m.get("a");
        assertEquals(5, a.get("scored").intValue());
        assertEquals(0, a.get("missing").intValue());
        assertEquals(0.8, a.get("mean").doubleValue(), 1e-15);                    // (1 + 0 + 0 + 2 + 1) / 5
        assertEquals(Math.sqrt(0.56), a.get("std").doubleValue(), 1e-15);          // (0.04 + 0.64 + 0.64 + 1.44 + 0.04) / 5
        assertFalse(a.has("stats"));
        ObjectNode j = (ObjectNode) m.get("judge");
        assertEquals(4, j.get("scored").intValue());
        assertEquals(1, j.get("missing").intValue());
        assertEquals(0.425, j.get("mean").doubleValue(), 1e-15);                  // (0.9 + 0.2 + 0.5 + 0.1) / 4
        assertEquals(0.5, j.get("mean_spread").doubleValue());
        assertEquals(6.0, j.get("stats").get("comparisons").doubleValue());
        assertEquals(1.0, j.get("stats").get("unparsed").doubleValue());
        // per completion it scored or left missing (5): a row without a count counts 0
        assertEquals(6.0 / 5, j.get("stat_means").get("comparisons").doubleValue(), 1e-15);
        assertEquals(1.0 / 5, j.get("stat_means").get("unparsed").doubleValue(), 1e-15);
        assertFalse(a.has("stat_means"));
        assertEquals(2.0 / 6, j.get("position_bias_rate").doubleValue(), 1e-15);
    }

    @Test void anEnsemblesMemberKeepsItsPositionBiasRate() throws Exception {
        ObjectNode r = row("p", 1.0, 0.5, null);
        r.putObject("stats").set("judge", Jsonl.JSON.readTree("{\"members\": 2, \"pairwise_judge:m/comparisons\": 4, \"pairwise_judge:m/flips\": 1}"));
        ObjectNode j = (ObjectNode) metrics(List.of(r)).get("judge");
        assertEquals(0.25, j.get("pairwise_judge:m/position_bias_rate").doubleValue());
        assertFalse(j.has("position_bias_rate"));
    }

    @Test void agreementCountsPairsBothScorersOrder() {
        ArrayNode ag = agreement(ROWS);
        assertEquals(1, ag.size());
        // p: (0,1) a 1>0, judge 0.9>0.2 same; (0,2) 1>0, 0.9>0.5 same; (1,2) a ties: skipped.  q: (3,4) judge missing: skipped.
        assertEquals(2, ag.get(0).get("pairs").intValue());
        assertEquals(1.0, ag.get(0).get("agreement").doubleValue());
        List<ObjectNode> flipped = List.of(row("p", 1.0, 0.1, null), row("p", 0.0, 0.2, null), row("p", 0.5, 0.3, null));
        // (0,1) a >, judge <: differ; (0,2) a >, judge <: differ; (1,2) a <, judge <: same
        assertEquals(1.0 / 3, agreement(flipped).get(0).get("agreement").doubleValue(), 1e-15);
    }

    /** The typed rows and results as the JSON the run writes (the assertions read its field names). */
    private static ObjectNode metrics(List<ObjectNode> rows) { return Jsonl.ROWS.valueToTree(ScorerMetrics.of(typed(rows))); }

    private static ArrayNode agreement(List<ObjectNode> rows) { return Jsonl.ROWS.valueToTree(ScorerMetrics.agreement(typed(rows))); }

    private static List<SampleRow> typed(List<ObjectNode> rows) {
        return rows.stream().map(r -> Jsonl.ROWS.convertValue(r, SampleRow.class)).toList();
    }

    private static List<String> iterable(ObjectNode m) {
        List<String> out = new java.util.ArrayList<>();
        m.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
