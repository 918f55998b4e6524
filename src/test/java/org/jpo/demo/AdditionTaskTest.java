package org.jpo.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.feedback.MathVerifier;
import org.jpo.feedback.ScoreInput;
import org.jpo.io.Jsonl;
import org.jpo.tokenizer.Tokenizer;
import org.jpo.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** The demo's data and tokenizer, without training: small splits, checked row by row. */
class AdditionTaskTest {
    static final AdditionTask TASK = new AdditionTask(2, 100, 200, 1000);
    @TempDir Path tmp;

    @Test void sameSeedSameFilesOtherSeedOtherFiles() throws Exception {
        AdditionTask.Files a = TASK.write(Files.createDirectories(tmp.resolve("a")), 7);
        AdditionTask.Files b = TASK.write(Files.createDirectories(tmp.resolve("b")), 7);
        AdditionTask.Files c = TASK.write(Files.createDirectories(tmp.resolve("c")), 8);
        for (var f : List.of(List.of(a.prompts(), b.prompts()), List.of(a.eval(), b.eval()), List.of(a.sft(), b.sft()))) {
            assertEquals(Files.readString(f.get(0)), Files.readString(f.get(1)), f.get(0).getFileName().toString());
        }
        assertNotEquals(Files.readString(a.eval()), Files.readString(c.eval()));
    }

    @Test void evalIsDisjointFromPromptsAndSft() {
        AdditionTask.Files f = TASK.write(tmp, 0);
        Set<String> eval = prompts(f.eval());
        assertEquals(TASK.evalRows(), eval.size(), "eval problems are distinct");
        Set<String> seen = new HashSet<>(prompts(f.prompts()));
        seen.addAll(prompts(f.sft()));
        seen.retainAll(eval);
        assertEquals(Set.of(), seen);
    }

    @Test void everyAnswerAndCompletionIsTheTrueSum() {
        AdditionTask.Files f = TASK.write(tmp, 0);
        for (Path file : List.of(f.prompts(), f.eval())) {
            for (Jsonl.Line l : Jsonl.read(file)) assertEquals(sum(l.text("prompt")), Long.parseLong(l.text("answer")), l.toString());
        }
        List<Jsonl.Line> sft = Jsonl.read(f.sft());
        assertEquals(TASK.sftRows(), sft.size());
        for (Jsonl.Line l : sft) assertEquals(Long.toString(sum(l.text("prompt"))), l.text("completion"), l.toString());
    }

    @Test void tokenizerLoadsAndRoundTripsEveryCharacter() {
        CharTokenizer.write(tmp);
        try (Tokenizer tok = Tokenizers.open(tmp.resolve("tokenizer.json"))) {
            assertEquals(1, tok.bosId().orElseThrow());
            assertEquals(2, tok.eosId().orElseThrow());
            assertEquals(CharTokenizer.vocabSize(), tok.vocabSize());
            String all = CharTokenizer.ALPHABET;
            int[] ids = tok.encode(all, true);
            assertEquals(all.length() + 1, ids.length, "BOS and one token per character");
            assertEquals(1, ids[0]);
            for (int i = 0; i < all.length(); i++) {
                String ch = all.substring(i, i + 1);
                assertArrayEquals(new int[]{3 + i}, tok.encode(ch, false), ch);
                assertEquals(ch, tok.decode(new int[]{3 + i}));
            }
            assertEquals(all, tok.decode(ids));
            int[] prompt = tok.encode("27+58=", true);
            assertArrayEquals(new int[]{3 + 8, 3 + 5}, tok.encodeContinuation("27+58=", prompt, "85", true));
            assertEquals("85", tok.decodeContinuation(prompt, new int[]{3 + 8, 3 + 5, 2}));
        }
    }

    @Test void mathVerifierAcceptsEachSftCompletionAndRejectsAWrongSum() {
        AdditionTask.Files f = TASK.write(tmp, 0);
        MathVerifier math = new MathVerifier();
        for (Jsonl.Line l : Jsonl.read(f.sft())) {
            String prompt = l.text("prompt");
            ObjectNode row = AdditionTask.promptRow(parse(prompt));
            assertEquals(1.0, math.verify("r", new ScoreInput(prompt, row), l.text("completion")).value(), l.toString());
            String wrong = Long.toString(sum(prompt) + 1);
            assertEquals(0.0, math.verify("r", new ScoreInput(prompt, row), wrong).value(), l.toString());
        }
    }

    private static Set<String> prompts(Path file) {
        Set<String> out = new HashSet<>();
        for (Jsonl.Line l : Jsonl.read(file)) out.add(l.text("prompt"));
        return out;
    }

    /** a + b of a prompt "a+b=", parsed independently of {@link AdditionTask.Sum}. */
    private static long sum(String prompt) {
        assertTrue(prompt.matches("\\d{1,2}\\+\\d{1,2}="), prompt);
        String[] ab = prompt.substring(0, prompt.length() - 1).split("\\+");
        return Long.parseLong(ab[0]) + Long.parseLong(ab[1]);
    }

    private static AdditionTask.Sum parse(String prompt) {
        String[] ab = prompt.substring(0, prompt.length() - 1).split("\\+");
        return new AdditionTask.Sum(Long.parseLong(ab[0]), Long.parseLong(ab[1]));
    }
}
