package org.jpo.demo;

import org.jpo.feedback.MathVerifier;
import org.jpo.feedback.ScoreInput;
import org.jpo.io.Jsonl;
import org.jpo.tokenizer.Tokenizer;
import org.jpo.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** The multi-step task's data and tokenizer, checked row by row against sums computed here. */
class ChainTaskTest {
    static final ChainTask TASK = new ChainTask(2, 3, 4, 100, 200, 1000);
    @TempDir Path tmp;

    @Test void goldSolutionsAddLeftToRightOneLinePerStepAndEndOnTheAnswer() {
        Task.Files f = TASK.write(tmp, 0);
        Set<Integer> operandCounts = new HashSet<>();
        for (Jsonl.Line l : Jsonl.read(f.sft())) {
            List<Long> ops = operands(l.text("prompt"));
            operandCounts.add(ops.size());
            String[] lines = l.text("completion").split("\n", -1);
            assertEquals(ops.size() - 1, lines.length, l.toString());
            long sum = ops.get(0);
            for (int i = 0; i < lines.length; i++) {
                assertEquals(sum + "+" + ops.get(i + 1) + "=" + (sum + ops.get(i + 1)), lines[i], l.toString());
                sum += ops.get(i + 1);
            }
            assertTrue(l.text("completion").length() <= TASK.maxCompletionChars(), l.toString());
            assertTrue(l.text("prompt").length() <= TASK.maxPromptChars(), l.toString());
        }
        assertEquals(Set.of(3, 4), operandCounts);
        for (Path file : List.of(f.prompts(), f.eval())) {
            for (Jsonl.Line l : Jsonl.read(file)) {
                assertEquals(operands(l.text("prompt")).stream().mapToLong(Long::longValue).sum(), Long.parseLong(l.text("answer")), l.toString());
            }
        }
    }

    /** 99+99+99+99=: "99+99=198\n198+99=297\n297+99=396", 9 + 1 + 10 + 1 + 10 characters; prompt 12. */
    @Test void lengthBoundsAreTheLargestProblems() {
        assertEquals(31, TASK.maxCompletionChars());
        assertEquals(12, TASK.maxPromptChars());
        assertEquals(1 + 12 + 31 + 1 + 8, TASK.maxSeqLen());
    }

    @Test void splitsAreDisjointAndTheSeedDecidesThem() throws Exception {
        Task.Files a = TASK.write(Files.createDirectories(tmp.resolve("a")), 7);
        Task.Files b = TASK.write(Files.createDirectories(tmp.resolve("b")), 7);
        Task.Files c = TASK.write(Files.createDirectories(tmp.resolve("c")), 8);
        assertEquals(Files.readString(a.sft()), Files.readString(b.sft()));
        assertNotEquals(Files.readString(a.eval()), Files.readString(c.eval()));
        Set<String> eval = prompts(a.eval()), rest = prompts(a.prompts());
        rest.addAll(prompts(a.sft()));
        assertEquals(TASK.evalRows(), eval.size());
        assertEquals(TASK.promptRows() + TASK.sftRows(), rest.size(), "every problem distinct");
        rest.retainAll(eval);
        assertEquals(Set.of(), rest);
    }

    @Test void theTokenizerKeepsTheNewlineAndTheMathVerifierReadsTheLastLine() {
        CharTokenizer.write(tmp, TASK.alphabet());
        MathVerifier math = new MathVerifier();
        try (Tokenizer tok = Tokenizers.open(tmp.resolve("tokenizer.json"))) {
            assertEquals(CharTokenizer.vocabSize(TASK.alphabet()), tok.vocabSize());
            int newline = 3 + CharTokenizer.ALPHABET.length();
            assertArrayEquals(new int[] {newline}, tok.encode("\n", false));
            assertArrayEquals(new int[] {newline, newline}, tok.encode("\n\n", false), "each newline its own token, however many in a row");
            String prompt = "17+25+8=", solution = "17+25=42\n42+8=50";
            int[] ids = tok.encode(prompt, true);
            int[] completion = tok.encodeContinuation(prompt, ids, solution, true);
            assertEquals(solution.length(), completion.length);
            assertEquals(newline, completion[5 + 3]);
            assertEquals(solution, tok.decodeContinuation(ids, completion));
            var row = ChainTask.promptRow(new ChainTask.Chain(List.of(17L, 25L, 8L)));
            assertEquals(1.0, math.verify("r", new ScoreInput(prompt, row), solution).value());
            assertEquals(0.0, math.verify("r", new ScoreInput(prompt, row), "17+25=42\n42+8=51").value());
        }
    }

    private static List<Long> operands(String prompt) {
        assertTrue(prompt.matches("(\\d{1,2}\\+){2,3}\\d{1,2}="), prompt);
        List<Long> out = new ArrayList<>();
        for (String a : prompt.substring(0, prompt.length() - 1).split("\\+")) out.add(Long.parseLong(a));
        return out;
    }

    private static Set<String> prompts(Path file) {
        Set<String> out = new HashSet<>();
        for (Jsonl.Line l : Jsonl.read(file)) out.add(l.text("prompt"));
        return out;
    }
}
