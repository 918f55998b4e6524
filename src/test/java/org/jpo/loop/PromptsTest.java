package org.jpo.loop;

import org.jpo.sampling.PromptRow;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** Drawing prompts per round: without replacement across rounds, distinct within one, a function of (seed, round) only. */
class PromptsTest {
    static List<PromptRow> rows(int n) {
        List<PromptRow> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(new PromptRow("p" + i, i, "x", new int[] {1}, JsonNodeFactory.instance.objectNode()));
        return out;
    }

    static Set<String> ids(List<PromptRow> rows) {
        Set<String> s = new HashSet<>();
        rows.forEach(r -> s.add(r.id()));
        return s;
    }

    @Test void everyPromptOnceBeforeAnyRepeats() {
        List<PromptRow> all = rows(10);
        Set<String> seen = new HashSet<>();
        for (int r = 1; r <= 5; r++) seen.addAll(ids(Prompts.forRound(all, 2, 7, r)));
        assertEquals(10, seen.size(), "5 rounds of 2 from 10 prompts use each once");
    }

    @Test void aRoundThatCrossesIntoANewPermutationStillHasDistinctPrompts() {
        List<PromptRow> all = rows(10);
        for (long seed = 0; seed < 20; seed++) {
            for (int r = 1; r <= 12; r++) assertEquals(7, ids(Prompts.forRound(all, 7, seed, r)).size(), "seed " + seed + " round " + r);
        }
        // rounds 1 and 2 of 7 from 10: the 3 left of the first permutation, then 4 of the second, none of them repeated
        Set<String> first = ids(Prompts.forRound(all, 7, 3, 1)), second = ids(Prompts.forRound(all, 7, 3, 2));
        Set<String> leftOver = new HashSet<>(ids(all));
        leftOver.removeAll(first);
        assertTrue(second.containsAll(leftOver), "round 2 starts with the prompts round 1 did not use");
    }

    @Test void theDrawDependsOnTheSeedAndRoundOnly() {
        List<PromptRow> all = rows(30);
        assertEquals(Prompts.forRound(all, 8, 1, 3), Prompts.forRound(all, 8, 1, 3));
        assertNotEquals(ids(Prompts.forRound(all, 8, 1, 3)), ids(Prompts.forRound(all, 8, 2, 3)));
        assertNotEquals(ids(Prompts.forRound(all, 8, 1, 1)), ids(Prompts.forRound(all, 8, 1, 2)));
    }

    @Test void conversationalPromptsAreRenderedAndRowsChecked(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        try (org.jpo.tokenizer.Tokenizer tok = org.jpo.tokenizer.Tokenizers.open(org.jpo.testing.Shared.tok512())) {
            java.nio.file.Path f = java.nio.file.Files.writeString(tmp.resolve("p.jsonl"),
                    "{\"prompt\": [{\"role\": \"user\", \"content\": \"Tell a story\"}], \"answer\": 1, \"id\": \"q1\"}\n"
                            + "{\"prompt\": \"Once upon a time\", \"answer\": 2}\n");
            List<PromptRow> rows = Prompts.read(f, tok, java.util.Optional.empty(), List.of("answer"), 512);
            assertEquals(List.of("q1", "2"), rows.stream().map(PromptRow::id).toList(), "the row's id, else its line number");
            String rendered = org.jpo.tokenizer.ChatTemplate.plain().render(List.of(new org.jpo.tokenizer.ChatTemplate.Message("user", "Tell a story")), true);
            assertEquals(rendered, rows.get(0).text());
            assertArrayEquals(tok.encode("Once upon a time", true), rows.get(1).ids());
            assertEquals(2, rows.get(1).fields().get("answer").intValue());

            java.nio.file.Files.writeString(f, "{\"prompt\": \"a\", \"id\": 7}\n{\"prompt\": \"b\", \"id\": 7}\n");
            var e = assertThrows(org.jpo.UserError.class, () -> Prompts.read(f, tok, java.util.Optional.empty(), List.of(), 512));
            assertEquals(f + ":2: prompt id '7' appears twice in " + f, e.getMessage());
            java.nio.file.Files.writeString(f, "{\"prompt\": \"" + "Once upon a time ".repeat(40) + "\"}\n");
            e = assertThrows(org.jpo.UserError.class, () -> Prompts.read(f, tok, java.util.Optional.empty(), List.of(), 64));
            assertTrue(e.getMessage().startsWith(f + ":1: the prompt has "), e.getMessage());
            assertTrue(e.getMessage().endsWith("tokens; the model's context window is 64 (no room to generate)"), e.getMessage());
        }
    }

    @Test void evalFractionHoldsOutASeededShareInFileOrder() {
        List<PromptRow> all = rows(20);
        Prompts.Split s = Prompts.split(all, java.util.Optional.empty(), 0.25, 0, 5, java.nio.file.Path.of("p.jsonl"));
        assertEquals(5, s.eval().size());
        assertEquals(15, s.train().size());
        Set<String> both = ids(s.train());
        both.retainAll(ids(s.eval()));
        assertTrue(both.isEmpty(), "train and eval overlap: " + both);
        assertEquals(s.eval().stream().sorted(java.util.Comparator.comparingInt(PromptRow::index)).toList(), s.eval());
        assertEquals(3, Prompts.split(all, java.util.Optional.empty(), 0.25, 3, 5, java.nio.file.Path.of("p.jsonl")).eval().size());
    }
}
