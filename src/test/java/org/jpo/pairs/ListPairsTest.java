package org.jpo.pairs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.io.Jsonl;
import org.jpo.sampling.SampleRow;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code list} on hand-made scores: a prompt's scored samples become one list, best first, ties kept as ties (equal scores,
 * in index order); missing scores are left out and counted; a prompt with one scored sample (too few) or all tied yields
 * nothing, counted; pairs.jsonl's row carries the texts, scores, indexes and ids, and reads back as a ranked row.
 */
class ListPairsTest {
    static final PairsConfig LIST = new PairsConfig(Strategy.LIST, 0.0, 0.0, Optional.empty(), 1, PairsConfig.Eos.FINISHED_ONLY, 0.0);

    static Outcome run(String prompt, Double... scores) {
        Sample[] s = new Sample[scores.length];
        for (int i = 0; i < s.length; i++) s[i] = Sample.of(i, scores[i], 3);
        return new PairBuilder(LIST, 7).build(1, new PromptSamples(prompt, List.of(s)));
    }

    @Test void everyScoredSampleBestFirstWithTiesKept() {
        Outcome o = run("p", 0.5, 1.0, null, 0.0, 1.0, 0.5);
        assertEquals(List.of(new Ranked("p", List.of(1, 4, 0, 5, 3), List.of(1.0, 1.0, 0.5, 0.5, 0.0))), o.ranked());
        assertEquals(new Counts(1, 6, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1), o.counts());
        assertEquals(List.of(), o.pairs());
    }

    @Test void tooFewAndAllTiedPromptsYieldNothingAndAreCounted() {
        Outcome lone = run("a", null, 0.7, null);
        assertEquals(List.of(), lone.ranked());
        assertEquals(new Counts(1, 3, 2, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0), lone.counts());
        Outcome tied = run("b", 1.0, 1.0, null, 1.0);
        assertEquals(List.of(), tied.ranked());
        assertEquals(new Counts(1, 4, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0), tied.counts());
        Outcome both = new PairBuilder(LIST, 7).build(1, List.of(new PromptSamples("a", List.of(Sample.of(0, 0.7, 3))),
                new PromptSamples("b", List.of(Sample.of(0, 0.0, 3), Sample.of(1, 2.0, 3)))));
        assertEquals(new Counts(2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1), both.counts());
    }

    static ObjectNode sample(String prompt, int index, Double score, String finish, int... ids) {
        ObjectNode o = Jsonl.JSON.createObjectNode().put("prompt_id", prompt).put("prompt_index", 4).put("policy", "current")
                .put("sample_index", index).put("prompt", "Once").put("completion", "c" + index).put("finish_reason", finish).put("tokens", ids.length);
        if (score == null) o.putNull("score");
        else o.put("score", score);
        var a = o.putArray("completion_ids");
        for (int id : ids) a.add(id);
        return o;
    }

    /** The row as pairs.jsonl holds it, and back through PairRow's reader. */
    @Test void theRowHasTheListsColumnsAndReadsBack() throws Exception {
        List<SampleRow> samples = List.of(sample("a", 0, 0.0, "stop", 5, 2), sample("a", 1, 2.0, "length", 6, 7), sample("a", 2, null, "stop", 8, 2),
                sample("a", 3, 2.0, "stop", 9, 2)).stream().map(x -> Jsonl.ROWS.convertValue(x, SampleRow.class)).toList();
        PairRows.Rows r = PairRows.build(samples, LIST, 0, 1, OptionalInt.of(2));
        assertEquals(1, r.rows().size());
        JsonNode row = Jsonl.ROWS.valueToTree(r.rows().get(0));
        assertEquals("{\"prompt_id\":\"a\",\"prompt_index\":4,\"prompt\":\"Once\",\"completions\":[\"c1\",\"c3\",\"c0\"],\"scores\":[2.0,2.0,0.0],"
                + "\"completion_indexes\":[1,3,0],\"completion_ids\":[[6,7],[9,2],[5,2]]}", row.toString());
        PairRow back = Jsonl.ROWS.readValue(row.toString(), PairRow.class);
        PairRow.Ranked ranked = assertInstanceOf(PairRow.Ranked.class, back);
        assertArrayEquals(new int[] {1, 3, 0}, ranked.completionIndexes());
        assertArrayEquals(new int[][] {{6, 7}, {9, 2}, {5, 2}}, ranked.completionIds());
        assertEquals(1, r.outcome().counts().lists());
        assertEquals(1, r.outcome().counts().missing());
    }
}
