package org.jpo.data;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.io.Jsonl;
import org.jpo.tokenizer.ChatTemplate;
import org.jpo.tokenizer.Tokenizer;
import org.jpo.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

import static org.jpo.data.CharTokenizer.BOS;
import static org.jpo.data.CharTokenizer.EOS;
import static org.jpo.data.CharTokenizer.ids;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every row format through the loaders, with a character tokenizer ({@link CharTokenizer}: id = code point,
 * BOS 1, EOS 2) so each expected id is readable off the text.
 */
class DatasetsTest {
    static final Tokenizer TOK = new CharTokenizer(true);
    static final Tokenizer NO_BOS = new CharTokenizer(false);
    static final DataOptions WIDE = new DataOptions(1000, 500, DataOptions.OnBadRow.ERROR);

    @TempDir Path dir;

    Path file(String... lines) {
        Path f = dir.resolve("data.jsonl");
        try {
            Files.writeString(f, String.join("\n", lines) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return f;
    }

    static ChatTemplate template(String name, String bos, String eos) {
        try {
            String src = Files.readString(Path.of(DatasetsTest.class.getResource("/chat_templates/" + name + ".jinja").toURI()));
            return ChatTemplate.of(src, name, Optional.ofNullable(bos), Optional.ofNullable(eos));
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static void assertPair(PairExample e, int[] prompt, int[] chosen, int[] rejected) {
        assertArrayEquals(prompt, e.prompt(), "prompt of " + e.source());
        assertArrayEquals(chosen, e.chosen(), "chosen of " + e.source());
        assertArrayEquals(rejected, e.rejected(), "rejected of " + e.source());
    }

    @Test void pairedStringsWithMarginAndWinProbs() {
        Path f = file("{\"prompt\": \"Q?\", \"chosen\": \" yes\", \"rejected\": \" no\", \"margin\": 1.5,"
                        + " \"chosen_win_prob\": 0.75, \"rejected_win_prob\": 0.25, \"preference\": 0.625, \"id\": 7}",
                "",
                "{\"prompt\": \"Q2\", \"chosen\": \" a\", \"rejected\": \" b\", \"margin\": null}");
        Dataset<PairExample> d = Datasets.paired(f, TOK, Optional.empty(), WIDE, null);
        assertEquals(2, d.examples().size());
        PairExample e = d.examples().get(0);
        assertEquals(f + ":1", e.source());
        assertPair(e, ids(BOS, "Q?"), ids(" yes", EOS), ids(" no", EOS));
        assertEquals(OptionalDouble.of(1.5), e.margin());
        assertEquals(Optional.of(new PairExample.WinProbs(0.75, 0.25)), e.winProbs());
        assertEquals(OptionalDouble.of(0.625), e.preference());   // inpo's and egpo's P(chosen ≻ rejected)
        PairExample e2 = d.examples().get(1);
        assertEquals(f + ":3", e2.source()); // the blank line 2 is not a row but keeps the numbering
        assertEquals(OptionalDouble.empty(), e2.margin());
        assertEquals(Optional.empty(), e2.winProbs());
        assertEquals(OptionalDouble.empty(), e2.preference());
        assertEquals(new DataStats(f.toString(), 2, 2, 0, 0, 0, 0, Optional.empty()), d.stats());
    }

    @Test void implicitPromptsFromStrings() {
        Path f = file(
                // TRL's rule: the common prefix, its trailing space moved to the completions
                "{\"chosen\": \"The sky is blue\", \"rejected\": \"The sky is green\"}",
                // HH-RLHF: cut back to just after the last "Assistant:" in the common prefix
                "{\"chosen\": \"\\n\\nHuman: Hi\\n\\nAssistant: Sure thing\", \"rejected\": \"\\n\\nHuman: Hi\\n\\nAssistant: Sure, no\"}",
                // nothing shared: no prompt, dropped
                "{\"chosen\": \"abc\", \"rejected\": \"xyz\"}",
                // chosen is all of the shared part: an empty completion, dropped
                "{\"chosen\": \"Hi there\", \"rejected\": \"Hi there friend\"}");
        Dataset<PairExample> d = Datasets.paired(f, TOK, Optional.empty(), WIDE, null);
        assertEquals(2, d.examples().size());
        assertPair(d.examples().get(0), ids(BOS, "The sky is"), ids(" blue", EOS), ids(" green", EOS));
        assertPair(d.examples().get(1), ids(BOS, "\n\nHuman: Hi\n\nAssistant:"), ids(" Sure thing", EOS), ids(" Sure, no", EOS));
        assertEquals(new DataStats(f.toString(), 4, 2, 0, 0, 2, 0, Optional.empty()), d.stats());
    }

    @Test void implicitPromptNeverSplitsACharacter() {
        // 😀 and 😃 share their UTF-16 high surrogate; the prompt must stop before it
        var t = ImplicitPrompt.split("a😀", "a😃");
        assertEquals(new ImplicitPrompt.Texts("a", "😀", "😃"), t);
    }

    @Test void conversationalPairWithZephyr() {
        String row = "{\"prompt\": [{\"role\": \"user\", \"content\": \"Hi\"}],"
                + " \"chosen\": [{\"role\": \"assistant\", \"content\": \"Hello!\"}],"
                + " \"rejected\": [{\"role\": \"assistant\", \"content\": \"Go away.\"}]}";
        Dataset<PairExample> d = Datasets.paired(file(row), TOK, Optional.of(template("zephyr", "<s>", "</s>")), WIDE, null);
        // prompt text "<|user|>\nHi</s>\n<|assistant|>\n"; the template ends each turn with "</s>\n", so EOS is appended
        assertPair(d.examples().get(0), ids(BOS, "<|user|>\nHi", EOS, "\n<|assistant|>\n"), ids("Hello!", EOS, "\n", EOS),
                ids("Go away.", EOS, "\n", EOS));
    }

    @Test void conversationalImplicitPromptWithThePlainTemplate() {
        String row = "{\"chosen\": [{\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"assistant\", \"content\": \"Hello!\"}],"
                + " \"rejected\": [{\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"assistant\", \"content\": \"Go away.\"}]}";
        String nothingShared = "{\"chosen\": [{\"role\": \"user\", \"content\": \"A\"}, {\"role\": \"assistant\", \"content\": \"B\"}],"
                + " \"rejected\": [{\"role\": \"user\", \"content\": \"C\"}, {\"role\": \"assistant\", \"content\": \"D\"}]}";
        Dataset<PairExample> d = Datasets.paired(file(row, nothingShared), TOK, Optional.empty(), WIDE, null);
        assertEquals(1, d.examples().size());
        assertPair(d.examples().get(0), ids(BOS, "user: Hi\nassistant:"), ids(" Hello!\n", EOS), ids(" Go away.\n", EOS));
        assertEquals(1, d.stats().droppedEmpty());
    }

    @Test void templateThatWritesBosGetsNoSecondOne() {
        String row = "{\"prompt\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"completion\": [{\"role\": \"assistant\", \"content\": \"Yo\"}]}";
        Dataset<SftExample> d = Datasets.sft(file(row), TOK, Optional.of(template("llama3", "<s>", "<|eot_id|>")), WIDE, null);
        SftExample e = d.examples().get(0);
        assertArrayEquals(ids(BOS, "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n"), e.prompt());
        assertArrayEquals(ids("Yo<|eot_id|>", EOS), e.completion());
    }

    /**
     * A real HF tokenizer (the Llama-style fixture of HfTokenizerTest: "▁" prepended, TemplateProcessing adds
     * {@code <s>}=1; ▁ab=11, ▁c=12, c=8, {@code </s>}=2) with a chat template that writes {@code bos_token}.
     */
    @Test void hfTokenizerAndTemplateBos() throws IOException, URISyntaxException {
        Path fixture = Path.of(DatasetsTest.class.getResource("/tokenizers/template/tokenizer.json").toURI()).getParent();
        Path model = Files.createDirectories(dir.resolve("model"));
        for (String name : List.of("tokenizer.json", "config.json")) Files.copy(fixture.resolve(name), model.resolve(name));
        var config = (ObjectNode) Jsonl.JSON.readTree(fixture.resolve("tokenizer_config.json").toFile());
        config.put("chat_template", "{{ bos_token }}{% for m in messages %}{% if m['role'] == 'user' %}{{ m['content'] }}"
                + "{% else %}{{ ' ' + m['content'] + eos_token }}{% endif %}{% endfor %}");
        Jsonl.JSON.writeValue(model.resolve("tokenizer_config.json").toFile(), config);
        Optional<ChatTemplate> template = ChatTemplate.load(model);
        try (Tokenizer hf = Tokenizers.open(model)) {
            Path f = file("{\"prompt\": [{\"role\": \"user\", \"content\": \"ab\"}], \"completion\": [{\"role\": \"assistant\", \"content\": \"c\"}]}",
                    "{\"prompt\": \"ab\", \"completion\": \"c\"}");
            List<SftExample> e = Datasets.sft(f, hf, template, WIDE, null).examples();
            // "<s>ab" is encoded without special tokens: one BOS, not TemplateProcessing's second one
            assertArrayEquals(new int[] {1, 11}, e.get(0).prompt());
            // "<s>ab c</s>" → 1 11 12 2: the template's EOS ends the completion, none is added
            assertArrayEquals(new int[] {12, 2}, e.get(0).completion());
            // a string row: "abc" is "▁ab" "c" jointly, so the completion is "c" (8), not "▁c" (12) as alone
            assertArrayEquals(new int[] {1, 11}, e.get(1).prompt());
            assertArrayEquals(new int[] {8, 2}, e.get(1).completion());
        }
    }

    @Test void unpairedRowsAndPairsAsUnpaired() {
        Path f = file("{\"prompt\": \"P\", \"completion\": \" good\", \"label\": true}",
                "{\"prompt\": \"P\", \"completion\": \" bad\", \"label\": false}",
                "{\"prompt\": \"Q\", \"chosen\": \" c\", \"rejected\": \" r\"}",
                "{\"prompt\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"completion\": [{\"role\": \"assistant\", \"content\": \"Yo\"}], \"label\": true}");
        Dataset<UnpairedExample> d = Datasets.unpaired(f, TOK, Optional.empty(), WIDE, null);
        List<UnpairedExample> e = d.examples();
        assertEquals(5, e.size());
        assertArrayEquals(ids(BOS, "P"), e.get(0).prompt());
        assertArrayEquals(ids(" good", EOS), e.get(0).completion());
        assertTrue(e.get(0).desirable());
        assertArrayEquals(ids(" bad", EOS), e.get(1).completion());
        assertFalse(e.get(1).desirable());
        // the pair on line 3 gives its chosen as desirable and its rejected as undesirable
        assertEquals(f + ":3", e.get(2).source());
        assertEquals(f + ":3", e.get(3).source());
        assertArrayEquals(ids(BOS, "Q"), e.get(2).prompt());
        assertArrayEquals(ids(" c", EOS), e.get(2).completion());
        assertTrue(e.get(2).desirable());
        assertArrayEquals(ids(" r", EOS), e.get(3).completion());
        assertFalse(e.get(3).desirable());
        assertArrayEquals(ids(BOS, "user: Hi\nassistant:"), e.get(4).prompt());
        assertArrayEquals(ids(" Yo\n", EOS), e.get(4).completion());
        assertEquals(new DataStats(f.toString(), 4, 5, 0, 0, 0, 0, Optional.empty()), d.stats());
    }

    @Test void sftPromptCompletionAndText() {
        Path f = file("{\"prompt\": \"2+2=\", \"completion\": \"4\"}", "{\"text\": \"Once upon a time\"}");
        List<SftExample> e = Datasets.sft(f, TOK, Optional.empty(), WIDE, null).examples();
        assertArrayEquals(ids(BOS, "2+2="), e.get(0).prompt());
        assertArrayEquals(ids("4", EOS), e.get(0).completion());
        assertArrayEquals(ids(BOS), e.get(1).prompt()); // a text row: the loss covers all of it
        assertArrayEquals(ids("Once upon a time", EOS), e.get(1).completion());
        // without BOS the first token is the context
        List<SftExample> n = Datasets.sft(f, NO_BOS, Optional.empty(), WIDE, null).examples();
        assertArrayEquals(ids("2+2="), n.get(0).prompt());
        assertArrayEquals(ids("O"), n.get(1).prompt());
        assertArrayEquals(ids("nce upon a time", EOS), n.get(1).completion());
    }

    @Test void eosIsNotDoubled() {
        Path f = file("{\"prompt\": \"P\", \"completion\": \" done</s>\"}");
        assertArrayEquals(ids(" done", EOS), Datasets.sft(f, TOK, Optional.empty(), WIDE, null).examples().get(0).completion());
    }

    /** max_length 10, max_prompt_length 4; lengths include BOS and EOS. */
    @Test void truncationKeepsThePromptsEndThenCutsCompletions() {
        Path f = file(
                // 8 + max(3, 6) > 10: prompt → BOS + last 3; then 6 left: both completions fit
                "{\"prompt\": \"abcdefg\", \"chosen\": \"hi\", \"rejected\": \"jklmn\"}",
                // 3 + 10 > 10: the prompt is within 4, so only chosen is cut to 7 (and loses its EOS)
                "{\"prompt\": \"ab\", \"chosen\": \"cdefghijk\", \"rejected\": \"x\"}",
                // 9 + 11 > 10: prompt → 4, both completions → 6
                "{\"prompt\": \"abcdefgh\", \"chosen\": \"ijklmnop\", \"rejected\": \"qrstuvwxyz\"}",
                // 4 + 6 = 10: fits
                "{\"prompt\": \"abc\", \"chosen\": \"defgh\", \"rejected\": \"x\"}");
        Dataset<PairExample> d = Datasets.paired(f, TOK, Optional.empty(), new DataOptions(10, 4, DataOptions.OnBadRow.ERROR), null);
        List<PairExample> e = d.examples();
        assertPair(e.get(0), ids(BOS, "efg"), ids("hi", EOS), ids("jklmn", EOS));
        assertPair(e.get(1), ids(BOS, "ab"), ids("cdefghi"), ids("x", EOS));
        assertPair(e.get(2), ids(BOS, "fgh"), ids("ijklmn"), ids("qrstuv"));
        assertPair(e.get(3), ids(BOS, "abc"), ids("defgh", EOS), ids("x", EOS));
        assertEquals(new DataStats(f.toString(), 4, 4, 2, 3, 0, 0, Optional.empty()), d.stats());

        // without BOS the prompt keeps exactly its last 4 tokens
        Dataset<UnpairedExample> u = Datasets.unpaired(file("{\"prompt\": \"abcdefg\", \"completion\": \"hijklmn\", \"label\": true}"),
                NO_BOS, Optional.empty(), new DataOptions(10, 4, DataOptions.OnBadRow.ERROR), null);
        assertArrayEquals(ids("defg"), u.examples().get(0).prompt());
        assertArrayEquals(ids("hijklm"), u.examples().get(0).completion());
        assertEquals(1, u.stats().truncatedPrompts());
        assertEquals(1, u.stats().truncatedCompletions());
    }

    /**
     * Ranked rows (method list): strings and conversations, scores kept in the row's order (ties too), all completions cut
     * together to fit max_length (prompt + the longest: the prompt keeps its end, then each completion its start).
     */
    @Test void rankedRowsAsStringsAndConversationsTruncatedTogether() {
        String strings = "{\"prompt\": \"Q?\", \"completions\": [\" a\", \" bb\", \" c\"], \"scores\": [0.5, 2, 0.5], \"prompt_id\": \"x\"}";
        String chats = "{\"prompt\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"completions\": [[{\"role\": \"assistant\", \"content\": \"Yo\"}],"
                + " [{\"role\": \"assistant\", \"content\": \"Go.\"}]], \"scores\": [1, -1]}";
        Dataset<ListExample> d = Datasets.ranked(file(strings, chats), TOK, Optional.empty(), WIDE, null);
        ListExample e = d.examples().get(0);
        assertArrayEquals(ids(BOS, "Q?"), e.prompt());
        assertArrayEquals(new int[][] {ids(" a", EOS), ids(" bb", EOS), ids(" c", EOS)}, e.completions());
        assertArrayEquals(new double[] {0.5, 2, 0.5}, e.scores());
        ListExample c = d.examples().get(1);
        assertArrayEquals(ids(BOS, "user: Hi\nassistant:"), c.prompt());
        assertArrayEquals(new int[][] {ids(" Yo\n", EOS), ids(" Go.\n", EOS)}, c.completions());
        assertArrayEquals(new double[] {1, -1}, c.scores());
        // max_length 5, max_prompt_length 2: prompt [BOS, ?]; 3 tokens left, so " bb" + EOS loses its EOS
        Dataset<ListExample> cut = Datasets.ranked(file(strings), TOK, Optional.empty(), new DataOptions(5, 2, DataOptions.OnBadRow.ERROR), null);
        ListExample t = cut.examples().get(0);
        assertArrayEquals(ids(BOS, "?"), t.prompt());
        assertArrayEquals(new int[][] {ids(" a", EOS), ids(" bb"), ids(" c", EOS)}, t.completions());
        assertEquals(1, cut.stats().truncatedPrompts());
        assertEquals(1, cut.stats().truncatedCompletions());
    }
}
