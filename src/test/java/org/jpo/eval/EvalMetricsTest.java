package org.jpo.eval;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The eval keys on hand-made completions, each worked out on paper. */
class EvalMetricsTest {
    static EvalSample greedy(String p, Double score) { return new EvalSample(p, true, 0, score, 3, -1.0, -1.0); }

    static EvalSample sampled(String p, int i, Double score, int tokens, double logp, double initialLogp) {
        return new EvalSample(p, false, i, score, tokens, logp, initialLogp);
    }

    @Test void meansPassRatesLengthKlAndWinRate() {
        List<EvalSample> initial = List.of(greedy("a", 0.0), greedy("b", 1.0),
                sampled("a", 0, 0.0, 4, -5, -5), sampled("a", 1, 1.0, 4, -5, -5), sampled("b", 0, 0.5, 4, -5, -5), sampled("b", 1, 1.0, 4, -5, -5));
        List<EvalSample> now = List.of(greedy("a", 1.0), greedy("b", 1.0),
                sampled("a", 0, 1.0, 2, -1.0, -3.0),     // beats 0.0
                sampled("a", 1, 1.0, 6, -2.0, -2.5),     // ties 1.0
                sampled("b", 0, 0.0, 3, -4.0, -4.0),     // loses to 0.5
                sampled("b", 1, null, 5, -1.0, -2.0));   // missing: out of every mean, counted
        Map<String, Double> m = EvalMetrics.of(now, initial, 1.0).byKey();
        assertEquals(2.0 / 3, m.get("eval/mean_score"), 1e-15);
        assertEquals(2.0 / 3, m.get("eval/pass_rate"), 1e-15);
        assertEquals(1.0, m.get("eval/greedy_mean_score"));
        assertEquals(1.0, m.get("eval/greedy_pass_rate"));
        assertEquals((2 + 6 + 3 + 5) / 4.0, m.get("eval/mean_length"));   // length counts every sampled completion
        assertEquals((2.0 + 0.5 + 0.0 + 1.0) / 4, m.get("eval/kl_to_initial"), 1e-15);
        assertEquals((1 + 0.5 + 0) / 3, m.get("eval/win_rate_vs_initial"), 1e-15);
        assertEquals(1.0, m.get("eval/missing"));
        assertEquals(2.0, m.get("eval/prompts"));
    }

    @Test void passThresholdIsInclusiveAndTheStartingPolicyAgainstItselfWinsHalf() {
        List<EvalSample> s = List.of(greedy("a", 0.5), sampled("a", 0, 0.5, 1, -1, -1), sampled("a", 1, 0.4, 1, -1, -1));
        Map<String, Double> m = EvalMetrics.of(s, s, 0.5).byKey();
        assertEquals(0.5, m.get("eval/pass_rate"));
        assertEquals(1.0, m.get("eval/greedy_pass_rate"));
        assertEquals(0.5, m.get("eval/win_rate_vs_initial"));
        assertEquals(0.0, m.get("eval/kl_to_initial"));
    }

    @Test void everyScoreMissingGivesNaNNotZero() {
        Map<String, Double> m = EvalMetrics.of(List.of(greedy("a", null), sampled("a", 0, null, 1, -1, -1)), List.of(), 1.0).byKey();
        assertTrue(Double.isNaN(m.get("eval/mean_score")));
        assertTrue(Double.isNaN(m.get("eval/greedy_pass_rate")));
        assertTrue(Double.isNaN(m.get("eval/win_rate_vs_initial")));
        assertEquals(2.0, m.get("eval/missing"));
    }

    /** A scorer's summary rides in eval.json and rounds.jsonl under eval/feedback and is listed as eval/<key>, after the others. */
    @Test void scorerSummariesAreEvalKeysAndSurviveRoundsJsonl() throws Exception {
        List<EvalSample> s = List.of(greedy("a", 0.5), sampled("a", 0, 0.5, 1, -1, -1));
        EvalResult e = EvalMetrics.of(s, s, 0.5, Map.of("game/exploitability", 0.25));
        assertEquals(0.25, e.byKey().get("eval/game/exploitability"));
        assertEquals("eval/game/exploitability", List.copyOf(e.byKey().keySet()).get(e.byKey().size() - 1));
        String line = org.jpo.io.Jsonl.ROWS.writeValueAsString(new RoundRecord(1, e, null, Map.of(), null, null, null, null));
        assertTrue(line.contains("\"eval/feedback\":{\"game/exploitability\":0.25}"), line);
        RoundRecord back = org.jpo.io.Jsonl.ROWS.readValue(line, RoundRecord.class);
        assertEquals(e.byKey(), back.eval().byKey());
        assertFalse(org.jpo.io.Jsonl.ROWS.writeValueAsString(EvalMetrics.of(s, s, 0.5)).contains("eval/feedback"));   // most runs: absent
    }
}
