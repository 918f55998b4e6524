package org.jpo.pairs;

import org.jpo.io.Jsonl;
import org.jpo.sampling.FinishReason;
import org.jpo.sampling.SampleRow;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code round_robin} on hand-made win_probs: every compared pair of scored samples, oriented to the preferred one, with its
 * P on the row; ties kept, unknown pairs and unscored samples left out; the rows of samples.jsonl as the loop writes them.
 */
class RoundRobinPairsTest {
    static final PairsConfig ROUND_ROBIN = new PairsConfig(Strategy.ROUND_ROBIN, 0.0, 0.0, Optional.empty(), 1, PairsConfig.Eos.FINISHED_ONLY, 0.0);

    /**
     * Five samples: 0 beats 1 surely, 1 beats 3 surely, 3 beats 0 with ¾ (intransitive, so 3's win rate is below 0's), 0 and
     * 4 tie, 1 and 4 were never compared (4 has a win probability only against 0), and 2 has no score.
     */
    static final Sample[] SAMPLES = {
            new Sample(0, 0.5, 3, false, 0, Arrays.asList(null, 1.0, 0.5, 0.25, 0.5)),
            new Sample(1, 0.5, 3, false, 0, Arrays.asList(0.0, null, 1.0, 1.0, null)),
            new Sample(2, null, 3, false, 0, Arrays.asList(0.5, 0.0, null, 0.5, null)),
            new Sample(3, 0.375, 3, false, 0, Arrays.asList(0.75, 0.0, 0.5, null, null)),
            new Sample(4, 0.5, 3, false, 0, Arrays.asList(0.5, null, null, null, null)),
    };

    static Pair pair(int chosen, int rejected, double p) {
        return new Pair("p", chosen, rejected, 2 * p - 1, Optional.empty(), Optional.empty(), Strategy.ROUND_ROBIN, Optional.of(p));
    }

    @Test void everyComparedPairWithItsPreference() {
        Outcome o = new PairBuilder(ROUND_ROBIN, 7).build(1, new PromptSamples("p", List.of(SAMPLES)));
        // (0,1): P = 1; (0,3): P(0≻3) = ¼, so 3 is chosen with ¾ whatever the scores; (0,4): a tie, to the lower index;
        // (1,3): 1; (1,4) and (3,4): never compared; 2 has no score
        assertEquals(List.of(pair(0, 1, 1.0), pair(3, 0, 0.75), pair(0, 4, 0.5), pair(1, 3, 1.0)), o.pairs());
        assertEquals(new Counts(1, 5, 1, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0), o.counts());
    }

    /** P(i ≻ j) comes from i's row, else from j's as 1 − P(j ≻ i); the input order changes nothing. */
    @Test void aPairKnownOnlyFromTheLaterSampleAndAnyInputOrder() {
        Sample a = new Sample(0, 0.2, 1, false, 0, Arrays.asList(null, null)), b = new Sample(1, 0.8, 1, false, 0, Arrays.asList(0.9, null));
        assertEquals(List.of(new Pair("q", 1, 0, 0.8, Optional.empty(), Optional.empty(), Strategy.ROUND_ROBIN, Optional.of(0.9))),
                new PairBuilder(ROUND_ROBIN, 7).build(1, new PromptSamples("q", List.of(b, a))).pairs());
        List<Sample> shuffled = List.of(SAMPLES[3], SAMPLES[0], SAMPLES[4], SAMPLES[2], SAMPLES[1]);
        assertEquals(new PairBuilder(ROUND_ROBIN, 7).build(1, new PromptSamples("p", List.of(SAMPLES))),
                new PairBuilder(ROUND_ROBIN, 7).build(1, new PromptSamples("p", shuffled)));
    }

    @Test void withoutWinProbsThereAreNoRows() {
        Outcome o = new PairBuilder(ROUND_ROBIN, 7).build(1, new PromptSamples("p", List.of(Sample.of(0, 1.0, 2), Sample.of(1, 0.0, 2))));
        assertEquals(List.of(), o.pairs());
        assertEquals(1, run(Sample.of(0, 1.0, 2)).counts().tooFew());
    }

    static Outcome run(Sample... s) { return new PairBuilder(ROUND_ROBIN, 7).build(1, new PromptSamples("p", List.of(s))); }

    @Test void aPreferenceBelowOneHalfOrAMarginThatIsNotTwoPMinusOneIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> pair(0, 1, 0.4));
        assertThrows(IllegalArgumentException.class,
                () -> new Pair("p", 0, 1, 0.3, Optional.empty(), Optional.empty(), Strategy.ROUND_ROBIN, Optional.of(0.75)));
        assertThrows(IllegalArgumentException.class, () -> new Sample(0, 1.0, 1, false, 0, Arrays.asList(null, 1.5)));
    }

    /** samples.jsonl rows (win_probs by sample index) → pairs.jsonl rows carrying preference, read back as written. */
    @Test void rowsFromSamplesJsonl() throws Exception {
        List<SampleRow> rows = List.of(row(0, "a", 0.5, Arrays.asList(null, 1.0, 0.25)), row(1, "b", 0.25, Arrays.asList(0.0, null, 0.5)),
                row(2, "c", 0.625, Arrays.asList(0.75, 0.5, null)));
        PairRows.Rows out = PairRows.build(rows, ROUND_ROBIN, 7, 1, OptionalInt.empty());
        List<PairRow.Preference> p = out.rows().stream().map(r -> (PairRow.Preference) r).toList();
        assertEquals(List.of("a>b 1.0", "c>a 0.75", "b>c 0.5"), p.stream().map(r -> r.chosen() + ">" + r.rejected() + " " + r.preference()).toList());
        assertEquals(List.of(1.0, 0.5, 0.0), p.stream().map(PairRow.Preference::margin).toList());
        String json = Jsonl.ROWS.writeValueAsString(p.get(1));
        assertTrue(json.contains("\"preference\":0.75") && json.contains("\"chosen_index\":2"), json);
        assertEquals(0.75, ((PairRow.Preference) Jsonl.ROWS.readValue(json, PairRow.class)).preference());
        assertFalse(Jsonl.ROWS.writeValueAsString(PairRows.build(rows, new PairsConfig(Strategy.BEST_WORST, 0.0, 0.0, Optional.empty(), 1,
                PairsConfig.Eos.FINISHED_ONLY, 0.0), 7, 1, OptionalInt.empty()).rows().get(0)).contains("preference"), "other strategies write none");
    }

    static SampleRow row(int i, String text, double score, List<Double> winProbs) {
        SampleRow.Scoring s = new SampleRow.Scoring(score, null, null, Map.of("pairwise_judge:m", score), Map.of(), Map.of(), Map.of(), winProbs);
        return new SampleRow("p", 0, SampleRow.Policy.CURRENT, false, i, "prompt", text, new int[] {5 + i}, FinishReason.STOP, 1, null, 3, s, null, null);
    }
}
