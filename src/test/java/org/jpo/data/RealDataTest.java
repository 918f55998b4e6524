package org.jpo.data;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.io.Jsonl;
import org.jpo.testing.Shared;
import org.jpo.tokenizer.Llama2cTokenizer;
import org.jpo.tokenizer.Tokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The loaders on real data nobody here wrote: Anthropic HH-RLHF (harmless-base test, implicit prompts) and
 * GSM8K, tokenized with the real stories260K llama2.c tokenizer (tok512.bin).
 */
class RealDataTest {
    static Tokenizer tok;
    static Path hh;
    static List<Jsonl.Line> hhRows;
    static Dataset<PairExample> hhWhole;

    @BeforeAll static void load() {
        tok = Llama2cTokenizer.load(Shared.tok512());
        hh = Shared.require("data/hh-rlhf/harmless-base-test.jsonl.gz");
        hhRows = Jsonl.read(hh);
        hhWhole = Datasets.paired(hh, tok, Optional.empty(), new DataOptions(1_000_000, 500_000, DataOptions.OnBadRow.ERROR), null);
    }

    /** Text of ids as they continue prompt, without the EOS the loader appended. */
    static String continuation(int[] prompt, int[] completion) {
        int n = completion.length > 0 && completion[completion.length - 1] == 2 ? completion.length - 1 : completion.length;
        return tok.decodeContinuation(prompt, Arrays.copyOf(completion, n));
    }

    @Test void hhImplicitPromptsEndAtTheLastAssistantTurn() {
        assertEquals(2312, hhRows.size());
        for (Jsonl.Line row : hhRows) {
            String chosen = row.text("chosen"), rejected = row.text("rejected");
            ImplicitPrompt.Texts t = ImplicitPrompt.split(chosen, rejected);
            String where = hh + ":" + row.number();
            assertTrue(t.prompt().endsWith("Assistant:"), where);
            assertTrue(t.prompt().startsWith("\n\nHuman: "), where);
            assertEquals(chosen, t.prompt() + t.chosen(), where);
            assertEquals(rejected, t.prompt() + t.rejected(), where);
            assertNotEquals(t.chosen(), t.rejected(), where);
            // the answers diverge in the last turn: neither completion starts another Human turn
            assertTrue(!t.chosen().contains("\n\nHuman:") || !t.rejected().contains("\n\nHuman:"), where);
        }
    }

    /** Untruncated, prompt + completion ids decode back to exactly the row's text: the joint tokenization lost nothing. */
    @Test void hhTokenizesLosslessly() {
        DataStats s = hhWhole.stats();
        assertEquals(2312, s.rows());
        assertEquals(0, s.skippedBad());
        assertEquals(s.rows(), s.examples() + s.droppedEmpty());
        assertEquals(0, s.truncatedPrompts() + s.truncatedCompletions());
        for (PairExample e : hhWhole.examples()) {
            ObjectNode row = hhRows.get(line(e) - 1).json();
            assertEquals(1, e.prompt()[0], e.source()); // BOS
            assertTrue(tok.decode(e.prompt()).endsWith("Assistant:"), e.source());
            assertEquals(2, e.chosen()[e.chosen().length - 1], e.source()); // EOS
            assertEquals(row.get("chosen").textValue(), tok.decode(e.prompt()) + continuation(e.prompt(), e.chosen()), e.source());
            assertEquals(row.get("rejected").textValue(), tok.decode(e.prompt()) + continuation(e.prompt(), e.rejected()), e.source());
        }
    }

    /** Rows whose answer is empty after the shared prompt are the only ones dropped. */
    @Test void hhDropsOnlyEmptyAnswers() {
        int empty = 0;
        for (Jsonl.Line row : hhRows) {
            ImplicitPrompt.Texts t = ImplicitPrompt.split(row.text("chosen"), row.text("rejected"));
            if (t.chosen().isEmpty() || t.rejected().isEmpty()) empty++;
        }
        assertEquals(empty, hhWhole.stats().droppedEmpty());
    }

    static int line(Example e) {
        return Integer.parseInt(e.source().substring(e.source().lastIndexOf(':') + 1));
    }

    /**
     * At stories260K's context (max_length 512, max_prompt_length 256) the long dialogues are truncated: each
     * example is its untruncated self with the prompt cut to BOS + its last tokens and completions cut to fit.
     */
    @Test void hhTruncatedToTheContext() {
        int maxLength = 512, maxPrompt = 256;
        Dataset<PairExample> cut = Datasets.paired(hh, tok, Optional.empty(), new DataOptions(maxLength, maxPrompt, DataOptions.OnBadRow.ERROR), null);
        assertEquals(hhWhole.examples().size(), cut.examples().size());
        int prompts = 0, completions = 0;
        for (int i = 0; i < cut.examples().size(); i++) {
            PairExample w = hhWhole.examples().get(i), c = cut.examples().get(i);
            int longest = Math.max(w.chosen().length, w.rejected().length);
            boolean tooLong = w.prompt().length + longest > maxLength;
            int[] prompt = w.prompt();
            if (tooLong && prompt.length > maxPrompt) {
                int[] tail = Arrays.copyOfRange(prompt, prompt.length - (maxPrompt - 1), prompt.length);
                prompt = new int[maxPrompt];
                prompt[0] = 1;
                System.arraycopy(tail, 0, prompt, 1, tail.length);
                prompts++;
            }
            int room = maxLength - prompt.length;
            assertArrayEquals(prompt, c.prompt(), c.source());
            for (int[][] wc : new int[][][] {{w.chosen(), c.chosen()}, {w.rejected(), c.rejected()}}) {
                int[] expected = wc[0].length > room ? Arrays.copyOf(wc[0], room) : wc[0];
                if (expected != wc[0]) completions++;
                assertArrayEquals(expected, wc[1], c.source());
            }
            assertTrue(c.prompt().length + Math.max(c.chosen().length, c.rejected().length) <= maxLength, c.source());
        }
        assertTrue(prompts > 100 && completions > 0, prompts + " prompts, " + completions + " completions cut"); // the data is long
        assertEquals(prompts, cut.stats().truncatedPrompts());
        assertEquals(completions, cut.stats().truncatedCompletions());
    }

    /**
     * "Once upon a time, there was a little girl" is the start of stories260K's golden greedy story
     * (models/stories260K/README.md): ids 1, 403 407 261 378, then ", there was a little girl" = 432 383 286 261 376
     * 298 315 421 (" g" "ir" "l").
     */
    @Test void jointTokenizationWithTheLlama2cTokenizer(@TempDir Path dir) {
        Path f = dir.resolve("pairs.jsonl");
        Jsonl.write(f, List.of(Jsonl.JSON.createObjectNode().put("prompt", "Once upon a time")
                        .put("chosen", ", there was a little girl").put("rejected", ", there was a little"),
                // the boundary inside a word: "ti" + "me" is one token " time" (378), which the completion gets
                Jsonl.JSON.createObjectNode().put("prompt", "Once upon a ti").put("chosen", "me").put("rejected", "me, there")));
        List<PairExample> e = Datasets.paired(f, tok, Optional.empty(), new DataOptions(512, 256, DataOptions.OnBadRow.ERROR), null).examples();
        assertArrayEquals(new int[] {1, 403, 407, 261, 378}, e.get(0).prompt());
        assertArrayEquals(new int[] {432, 383, 286, 261, 376, 298, 315, 421, 2}, e.get(0).chosen());
        assertArrayEquals(new int[] {432, 383, 286, 261, 376, 2}, e.get(0).rejected());
        // encoding the completion on its own would start it with the dummy-prefix space " " (410)
        assertEquals(410, tok.encode(", there was a little girl", false)[0]);
        int[] prompt = e.get(1).prompt();
        assertArrayEquals(new int[] {1, 403, 407, 261}, Arrays.copyOf(prompt, 4));
        assertTrue(prompt.length > 4 && prompt[4] != 378, Arrays.toString(prompt)); // "ti" alone is not " time"
        assertArrayEquals(new int[] {378, 2}, e.get(1).chosen());
        assertArrayEquals(new int[] {378, 432, 383, 2}, e.get(1).rejected());
    }

    /** GSM8K rows turned into SFT rows, both {prompt, completion} and {text}. */
    @Test void gsm8kAsSft(@TempDir Path dir) throws IOException {
        List<Jsonl.Line> rows = Jsonl.read(Shared.require("data/gsm8k/train.jsonl")).subList(0, 20);
        List<ObjectNode> sft = new ArrayList<>();
        for (Jsonl.Line r : rows) {
            sft.add(Jsonl.JSON.createObjectNode().put("prompt", "Question: " + r.text("question") + "\nAnswer:")
                    .put("completion", " " + r.text("answer")));
            sft.add(Jsonl.JSON.createObjectNode().put("text", r.text("question") + "\n" + r.text("answer")));
        }
        Path f = dir.resolve("gsm8k-sft.jsonl");
        Jsonl.write(f, sft);
        Dataset<SftExample> d = Datasets.sft(f, tok, Optional.empty(), new DataOptions(4096, 2048, DataOptions.OnBadRow.ERROR), null);
        assertEquals(new DataStats(f.toString(), 40, 40, 0, 0, 0, 0, Optional.empty()), d.stats());
        for (int i = 0; i < rows.size(); i++) {
            Jsonl.Line r = rows.get(i);
            SftExample pc = d.examples().get(2 * i), text = d.examples().get(2 * i + 1);
            assertEquals("Question: " + r.text("question") + "\nAnswer:", tok.decode(pc.prompt()));
            assertEquals(" " + r.text("answer"), continuation(pc.prompt(), pc.completion()));
            assertTrue(continuation(pc.prompt(), pc.completion()).endsWith("#### " + r.text("answer").replaceAll("(?s).*#### ", "")));
            assertArrayEquals(new int[] {1}, text.prompt());
            assertEquals(r.text("question") + "\n" + r.text("answer"), continuation(text.prompt(), text.completion()));
        }
    }
}
