package org.jpo.data;

import com.fasterxml.jackson.databind.JsonNode;
import org.jpo.UserError;
import org.jpo.config.ConfigError;
import org.jpo.io.Jsonl;
import org.jpo.tokenizer.ChatTemplate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.jpo.data.CharTokenizer.BOS;
import static org.jpo.data.CharTokenizer.EOS;
import static org.jpo.data.CharTokenizer.ids;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every kind of bad row, under on_bad_row: error (stop with file:line: reason) and skip (count, write rejects). */
class BadRowsTest {
    static final CharTokenizer TOK = new CharTokenizer(true);
    static final String MSG = "[{\"role\": \"assistant\", \"content\": \"ok\"}]";
    static final String MISTRAL = "{%- for m in messages %}{%- if (m['role'] == 'user') != (loop.index0 % 2 == 0) %}"
            + "{{- raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{%- endif %}"
            + "{{- m['role'] + ': ' + m['content'] + '\\n' }}{%- endfor %}{%- if add_generation_prompt %}{{- 'assistant:' }}{%- endif %}";
    /** Adds "?" only with the generation prompt: prompt + completion does not start with the prompt. */
    static final String UNSTABLE = "{% for m in messages %}{{ m['content'] }}{% endfor %}{% if add_generation_prompt %}?{% endif %}";

    enum Kind { PAIRED, UNPAIRED, SFT, RANKED }

    record Case(String name, Kind kind, String line, String reason, Optional<String> template) {
        Case(String name, Kind kind, String line, String reason) { this(name, kind, line, reason, Optional.empty()); }

        @Override public String toString() { return name; }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("not JSON", Kind.PAIRED, "{\"prompt\": \"p\",", "invalid JSON ("),
                new Case("not an object", Kind.PAIRED, "[1, 2]", "expected a JSON object, got [1, 2]"),
                new Case("missing field", Kind.PAIRED, "{\"prompt\": \"p\", \"chosen\": \"c\"}",
                        "missing field 'rejected'; fields: [prompt, chosen]"),
                new Case("ill-typed field", Kind.PAIRED, "{\"prompt\": \"p\", \"chosen\": 5, \"rejected\": \"r\"}",
                        "field 'chosen' must be a string or a list of {role, content} messages, got number 5"),
                new Case("empty string", Kind.PAIRED, "{\"prompt\": \"p\", \"chosen\": \"\", \"rejected\": \"r\"}",
                        "field 'chosen' is an empty string"),
                new Case("margin not a number", Kind.PAIRED, "{\"prompt\": \"p\", \"chosen\": \"c\", \"rejected\": \"r\", \"margin\": \"big\"}",
                        "field 'margin' must be a finite number, got \"big\""),
                new Case("win prob above 1", Kind.PAIRED, "{\"prompt\": \"p\", \"chosen\": \"c\", \"rejected\": \"r\","
                        + " \"chosen_win_prob\": 1.5, \"rejected_win_prob\": 0.2}",
                        "field 'chosen_win_prob' must be a probability in [0, 1], got 1.5"),
                new Case("win prob below 0", Kind.PAIRED, "{\"prompt\": \"p\", \"chosen\": \"c\", \"rejected\": \"r\","
                        + " \"chosen_win_prob\": 0.5, \"rejected_win_prob\": -0.1}",
                        "field 'rejected_win_prob' must be a probability in [0, 1], got -0.1"),
                new Case("win prob not a number", Kind.PAIRED, "{\"prompt\": \"p\", \"chosen\": \"c\", \"rejected\": \"r\","
                        + " \"chosen_win_prob\": \"high\", \"rejected_win_prob\": 0.1}",
                        "field 'chosen_win_prob' must be a probability in [0, 1], got \"high\""),
                new Case("preference above 1", Kind.PAIRED, "{\"prompt\": \"p\", \"chosen\": \"c\", \"rejected\": \"r\", \"preference\": 2}",
                        "field 'preference' must be a probability in [0, 1], got 2"),
                new Case("one win prob", Kind.PAIRED, "{\"prompt\": \"p\", \"chosen\": \"c\", \"rejected\": \"r\", \"chosen_win_prob\": 0.5}",
                        "field 'rejected_win_prob' is missing: win probabilities come in pairs"),
                new Case("unknown format", Kind.PAIRED, "{\"question\": \"q\", \"answer\": \"a\"}",
                        "unknown row format: expected {prompt, chosen, rejected}, {prompt, completion, label}, {prompt, completion},"
                                + " {text} or {prompt, completions, scores}; fields: [question, answer]"),
                new Case("unpaired row as paired", Kind.PAIRED, "{\"prompt\": \"p\", \"completion\": \"c\", \"label\": true}",
                        "row is in the unpaired format, but this loader takes paired rows {prompt, chosen, rejected};"
                                + " fields: [prompt, completion, label]"),
                new Case("mixed formats", Kind.PAIRED, "{\"prompt\": \"p\", \"chosen\": \"c\", \"rejected\": \"r\", \"completion\": \"x\"}",
                        "row has both paired fields (chosen/rejected) and 'completion'; fields: [prompt, chosen, rejected, completion]"),
                new Case("strings mixed with messages", Kind.PAIRED, "{\"prompt\": \"p\", \"chosen\": " + MSG + ", \"rejected\": " + MSG + "}",
                        "fields mix strings and message lists; use one form for the whole row; fields: [prompt, chosen, rejected]"),
                new Case("message without content", Kind.PAIRED, "{\"prompt\": [{\"role\": \"user\"}], \"chosen\": " + MSG
                        + ", \"rejected\": " + MSG + "}", "field 'prompt'[0].content must be a string, got nothing"),
                new Case("message not an object", Kind.PAIRED, "{\"prompt\": [\"hi\"], \"chosen\": " + MSG + ", \"rejected\": " + MSG + "}",
                        "field 'prompt'[0] must be a {role, content} message, got string \"hi\""),
                new Case("empty message list", Kind.PAIRED, "{\"prompt\": [], \"chosen\": " + MSG + ", \"rejected\": " + MSG + "}",
                        "field 'prompt' is an empty list of messages"),
                new Case("empty message content", Kind.PAIRED, "{\"prompt\": [{\"role\": \"user\", \"content\": \"\"}], \"chosen\": "
                        + MSG + ", \"rejected\": " + MSG + "}", "field 'prompt'[0].content is an empty string"),
                new Case("template rejects", Kind.PAIRED, "{\"prompt\": [{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"user\","
                        + " \"content\": \"b\"}], \"chosen\": " + MSG + ", \"rejected\": " + MSG + "}",
                        "chat template rejected the messages: Conversation roles must alternate user/assistant/user/assistant/...",
                        Optional.of(MISTRAL)),
                new Case("template not prefix-stable", Kind.SFT, "{\"prompt\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"completion\": "
                        + MSG + "}", "chat template (unstable) does not render the prompt (with generation prompt) as a prefix of"
                        + " prompt + completion, so the completion text cannot be cut out: the prompt renders as \"Hi?\","
                        + " prompt + completion as \"Hiok\"", Optional.of(UNSTABLE)),
                new Case("label not boolean", Kind.UNPAIRED, "{\"prompt\": \"p\", \"completion\": \"c\", \"label\": \"yes\"}",
                        "field 'label' must be true or false, got \"yes\""),
                new Case("label missing", Kind.UNPAIRED, "{\"prompt\": \"p\", \"completion\": \"c\"}",
                        "missing field 'label' (true for a desirable completion, false otherwise)"),
                new Case("text row as unpaired", Kind.UNPAIRED, "{\"text\": \"t\"}",
                        "row is in the text format, but this loader takes {prompt, completion, label} or paired rows; fields: [text]"),
                new Case("labelled row as SFT", Kind.SFT, "{\"prompt\": \"p\", \"completion\": \"c\", \"label\": false}",
                        "a labelled (KTO) row: SFT would imitate its undesirable completions too; drop 'label' or use method: kto"),
                new Case("pair as SFT", Kind.SFT, "{\"prompt\": \"p\", \"chosen\": \"c\", \"rejected\": \"r\"}",
                        "row is in the paired format, but this loader takes {prompt, completion} or {text} rows;"
                                + " fields: [prompt, chosen, rejected]"),
                new Case("text and completion", Kind.SFT, "{\"text\": \"t\", \"completion\": \"c\"}",
                        "row has both 'completion' and 'text'; fields: [text, completion]"),
                new Case("text not a string", Kind.SFT, "{\"text\": 3}",
                        "field 'text' must be a string or a list of {role, content} messages, got number 3"),
                new Case("text as messages", Kind.SFT, "{\"text\": " + MSG + "}", "field 'text' must be a string, got a list"),
                new Case("one completion", Kind.RANKED, "{\"prompt\": \"p\", \"completions\": [\"a\"], \"scores\": [1]}",
                        "field 'completions' must be a list of two or more completions, got array [\"a\"]"),
                new Case("a score short", Kind.RANKED, "{\"prompt\": \"p\", \"completions\": [\"a\", \"b\"], \"scores\": [1]}",
                        "field 'scores' must be a list of 2 numbers, one per completion, got array [1]"),
                new Case("score not a number", Kind.RANKED, "{\"prompt\": \"p\", \"completions\": [\"a\", \"b\"], \"scores\": [1, \"x\"]}",
                        "field 'scores'[1] must be a finite number, got \"x\""),
                new Case("scores missing", Kind.RANKED, "{\"prompt\": \"p\", \"completions\": [\"a\", \"b\"]}",
                        "missing field 'scores' (one number per completion, higher is better); fields: [prompt, completions]"),
                new Case("empty completion", Kind.RANKED, "{\"prompt\": \"p\", \"completions\": [\"a\", \"\"], \"scores\": [1, 0]}",
                        "field 'completions[1]' is an empty string"),
                new Case("completions mixed with messages", Kind.RANKED, "{\"prompt\": \"p\", \"completions\": [\"a\", " + MSG
                        + "], \"scores\": [1, 0]}", "fields mix strings and message lists; use one form for the whole row; fields: [prompt, completions, scores]"),
                new Case("pair as ranked", Kind.RANKED, "{\"prompt\": \"p\", \"chosen\": \"c\", \"rejected\": \"r\"}",
                        "row is in the paired format, but this loader takes ranked rows {prompt, completions, scores}; fields: [prompt, chosen, rejected]"),
                new Case("ranked and paired", Kind.RANKED, "{\"prompt\": \"p\", \"completions\": [\"a\", \"b\"], \"scores\": [1, 0], \"chosen\": \"a\"}",
                        "row has both 'completions' (a ranked row) and paired fields (chosen/rejected); fields: [prompt, completions, scores, chosen]"),
                new Case("ranked as SFT", Kind.SFT, "{\"prompt\": \"p\", \"completions\": [\"a\", \"b\"], \"scores\": [1, 0]}",
                        "row is in the ranked format, but this loader takes {prompt, completion} or {text} rows; fields: [prompt, completions, scores]"));
    }

    @TempDir Path dir;

    Path write(String name, List<byte[]> lines) throws IOException {
        Path f = dir.resolve(name);
        try (var out = Files.newOutputStream(f)) {
            for (byte[] l : lines) {
                out.write(l);
                out.write('\n');
            }
        }
        return f;
    }

    static byte[] utf8(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    static Dataset<?> load(Kind kind, Path f, Optional<String> template, DataOptions o, Path rejects) {
        Optional<ChatTemplate> t = template.map(src -> ChatTemplate.of(src, src == UNSTABLE ? "unstable" : "test",
                Optional.empty(), Optional.empty()));
        return switch (kind) {
            case PAIRED -> Datasets.paired(f, TOK, t, o, rejects);
            case UNPAIRED -> Datasets.unpaired(f, TOK, t, o, rejects);
            case SFT -> Datasets.sft(f, TOK, t, o, rejects);
            case RANKED -> Datasets.ranked(f, TOK, t, o, rejects);
        };
    }

    static final String GOOD_PAIR = "{\"prompt\": \"p\", \"chosen\": \"c\", \"rejected\": \"r\"}";

    static String good(Kind kind) {
        return switch (kind) {
            case PAIRED -> GOOD_PAIR;
            case UNPAIRED -> "{\"prompt\": \"p\", \"completion\": \"c\", \"label\": true}";
            case SFT -> "{\"prompt\": \"p\", \"completion\": \"c\"}";
            case RANKED -> "{\"prompt\": \"p\", \"completions\": [\"a\", \"b\", \"c\"], \"scores\": [1, 0, 1]}";
        };
    }

    @ParameterizedTest @MethodSource("cases")
    void errorStopsAtTheRowWithItsLine(Case c) throws IOException {
        Path f = write("data.jsonl", List.of(utf8(good(c.kind())), utf8(c.line())));
        var e = assertThrows(UserError.class, () -> load(c.kind(), f, c.template(), new DataOptions(100, 50, DataOptions.OnBadRow.ERROR), null));
        String expected = f + ":2: " + c.reason();
        assertTrue(c.reason().endsWith("(") ? e.getMessage().startsWith(expected) : e.getMessage().equals(expected),
                "expected " + expected + "\n     got " + e.getMessage());
    }

    @ParameterizedTest @MethodSource("cases")
    void skipCountsTheRowAndWritesIt(Case c) throws IOException {
        Path f = write("data.jsonl", List.of(utf8(c.line())));
        Path rejects = dir.resolve("out/rejects.jsonl");
        Dataset<?> d = load(c.kind(), f, c.template(), new DataOptions(100, 50, DataOptions.OnBadRow.SKIP), rejects);
        assertEquals(new DataStats(f.toString(), 1, 0, 0, 0, 0, 1, Optional.of(rejects)), d.stats());
        List<String> lines = Files.readAllLines(rejects);
        assertEquals(1, lines.size());
        JsonNode r = Jsonl.JSON.readTree(lines.get(0));
        assertEquals(1, r.get("line").intValue());
        assertTrue(r.get("reason").textValue().startsWith(c.reason()), r.toString());
        JsonNode row = r.get("row");
        // an object line comes back as the object; any other line as its text
        assertEquals(row.isObject() ? Jsonl.JSON.readTree(c.line()) : Jsonl.JSON.getNodeFactory().textNode(c.line()), row);
    }

    @Test void invalidUtf8IsABadRowToo() throws IOException {
        byte[] bad = {'{', '"', 't', 'e', 'x', 't', '"', ':', ' ', '"', (byte) 0xC3, '"', '}'};
        Path f = write("data.jsonl", List.of(utf8("{\"text\": \"ok\"}"), bad));
        var e = assertThrows(UserError.class, () -> Datasets.sft(f, TOK, Optional.empty(), new DataOptions(100, 50, DataOptions.OnBadRow.ERROR), null));
        assertEquals(f + ":2: not valid UTF-8", e.getMessage());
        Path rejects = dir.resolve("rejects.jsonl");
        Dataset<SftExample> d = Datasets.sft(f, TOK, Optional.empty(), new DataOptions(100, 50, DataOptions.OnBadRow.SKIP), rejects);
        assertEquals(1, d.examples().size());
        assertEquals(1, d.stats().skippedBad());
        JsonNode r = Jsonl.JSON.readTree(Files.readAllLines(rejects).get(0));
        assertEquals("not valid UTF-8", r.get("reason").textValue());
        assertEquals("{\"text\": \"\uFFFD\"}", r.get("row").textValue());
    }

    /** Good and bad rows interleaved: the good ones load, the bad ones are counted and written in order. */
    @Test void skipKeepsTheGoodRows() throws IOException {
        List<Case> paired = cases().filter(c -> c.kind() == Kind.PAIRED && c.template().isEmpty()).toList();
        List<byte[]> lines = new ArrayList<>();
        for (Case c : paired) {
            lines.add(utf8(GOOD_PAIR));
            lines.add(utf8(c.line()));
        }
        Path f = write("data.jsonl", lines);
        Path rejects = dir.resolve("rejects.jsonl");
        Dataset<PairExample> d = Datasets.paired(f, TOK, Optional.empty(), new DataOptions(100, 50, DataOptions.OnBadRow.SKIP), rejects);
        assertEquals(new DataStats(f.toString(), 2 * paired.size(), paired.size(), 0, 0, 0, paired.size(), Optional.of(rejects)), d.stats());
        for (int i = 0; i < paired.size(); i++) {
            PairExample e = d.examples().get(i);
            assertEquals(f + ":" + (2 * i + 1), e.source());
            assertArrayEquals(ids(BOS, "p"), e.prompt());
            assertArrayEquals(ids("c", EOS), e.chosen());
        }
        List<String> written = Files.readAllLines(rejects);
        assertEquals(paired.size(), written.size());
        for (int i = 0; i < paired.size(); i++) {
            JsonNode r = Jsonl.JSON.readTree(written.get(i));
            assertEquals(2 * i + 2, r.get("line").intValue());
            assertTrue(r.get("reason").textValue().startsWith(paired.get(i).reason()), r.toString());
        }
        try (var files = Files.list(dir)) {
            assertFalse(files.anyMatch(p -> p.toString().endsWith(".tmp")), "temporary file left behind");
        }
    }

    @Test void skipWithNothingBadWritesAnEmptyRejectsFile() throws IOException {
        Path f = write("data.jsonl", List.of(utf8(GOOD_PAIR)));
        Path rejects = dir.resolve("rejects.jsonl");
        Files.writeString(rejects, "{\"stale\": true}\n"); // from an earlier run: must not survive
        Dataset<PairExample> d = Datasets.paired(f, TOK, Optional.empty(), new DataOptions(100, 50, DataOptions.OnBadRow.SKIP), rejects);
        assertEquals(Optional.of(rejects), d.stats().rejectsFile());
        assertEquals(0, d.stats().skippedBad());
        assertEquals(List.of(), Files.readAllLines(rejects));
    }

    /** A template that cannot run is not the row's fault: it stops loading even under skip. */
    @Test void brokenTemplateIsNeverSkipped() throws IOException {
        Path f = write("data.jsonl", List.of(utf8("{\"prompt\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"completion\": " + MSG + "}")));
        ChatTemplate broken = ChatTemplate.of("{{ messages[0]['content'].nosuchmethod() }}", "cfg.json", Optional.empty(), Optional.empty());
        var e = assertThrows(UserError.class, () -> Datasets.sft(f, TOK, Optional.of(broken),
                new DataOptions(100, 50, DataOptions.OnBadRow.SKIP), dir.resolve("rejects.jsonl")));
        assertTrue(e.getMessage().startsWith(f + ":1: cfg.json: cannot render (template line 1): "), e.getMessage());
    }

    @Test void optionsAreValidatedNamingTheKey() {
        var e = assertThrows(ConfigError.class, () -> new DataOptions(10, 10, DataOptions.OnBadRow.ERROR));
        assertEquals("max_prompt_length (10) must be < max_length (10) so that completions keep a token; set max_prompt_length", e.getMessage());
        assertEquals("max_prompt_length", e.key());
        e = assertThrows(ConfigError.class, () -> new DataOptions(1, 1, DataOptions.OnBadRow.ERROR));
        assertEquals("max_length must be >= 2, got 1", e.getMessage());
        var skip = new DataOptions(10, 5, DataOptions.OnBadRow.SKIP);
        var noFile = assertThrows(IllegalArgumentException.class, () -> Datasets.sft(dir.resolve("x.jsonl"), TOK, Optional.empty(), skip, null));
        assertEquals("on_bad_row: skip needs a rejects file", noFile.getMessage());
    }

    @Test void missingFile() {
        var e = assertThrows(UserError.class, () -> Datasets.paired(dir.resolve("nope.jsonl"), TOK, Optional.empty(),
                new DataOptions(100, 50, DataOptions.OnBadRow.ERROR), null));
        assertEquals("input file not found: " + dir.resolve("nope.jsonl"), e.getMessage());
    }
}
