package org.jpo.feedback;

import org.jpo.UserError;
import org.jpo.config.Binder;
import org.jpo.config.Key;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A {@code feedback:} list bound by the generic binder: each item's {@code type} picks the scorer record, its other
 * keys bind that record and {@code weight}. {@code @N:} in an expected message stands for "t.yaml:N:".
 */
class FeedbackConfigTest {
    record Loop(@Key(required = true, doc = "The scorers, combined by their weighted sum.") List<FeedbackItem> feedback) {}

    static final Binder<Loop> BINDER = new Binder<>(Loop.class, "loop", "loop --keys");
    static final String TYPES = "math, regex, contains, avoids, length, json, code, reward_model, ensemble, implicit_reward, judge, pairwise_judge, preference_model, self_consistency";

    @TempDir Path dir;
    Path rm;

    @BeforeEach void rewardModelDirectory() throws Exception { rm = Files.createDirectory(dir.resolve("rm-dir")); }

    Loop parse(String yaml) { return BINDER.parse("t.yaml", yaml, dir, List.of()); }

    @Test void eachItemBindsTheRecordItsTypeNames() {
        Loop loop = parse("""
                feedback:
                  - {type: contains, words: [park], weight: 1.0}
                  - type: math
                    weight: 2.0
                  - {type: length, max: 40}
                  - {type: reward_model, path: rm-dir}
                """);
        assertEquals(List.of(new FeedbackItem(1.0, new ContainsVerifier(List.of("park"))),
                new FeedbackItem(2.0, new MathVerifier("answer")),
                new FeedbackItem(1.0, new LengthVerifier(null, 40, LengthVerifier.Unit.WORDS)),
                new FeedbackItem(1.0, new RewardModelConfig(rm, Optional.empty(), 16))), loop.feedback());
    }

    @Test void everyTypeBindsItsKeys() throws Exception {
        Path tok = Files.writeString(dir.resolve("tok.json"), "{}");
        Loop loop = parse("""
                feedback:
                  - {type: regex, pattern: '^a+$', mode: forbid, weight: 0.5}
                  - {type: avoids, words: [x, y z]}
                  - {type: json, required_keys: [k]}
                  - {type: math, answer_field: solution}
                  - {type: length, min: 2, unit: chars}
                  - {type: reward_model, path: rm-dir, tokenizer: tok.json, batch_size: 4}
                """);
        assertEquals(List.of(new FeedbackItem(0.5, new RegexVerifier("^a+$", RegexVerifier.Mode.FORBID)),
                new FeedbackItem(1.0, new AvoidsVerifier(List.of("x", "y z"))),
                new FeedbackItem(1.0, new JsonVerifier(List.of("k"))),
                new FeedbackItem(1.0, new MathVerifier("solution")),
                new FeedbackItem(1.0, new LengthVerifier(2, null, LengthVerifier.Unit.CHARS)),
                new FeedbackItem(1.0, new RewardModelConfig(rm, Optional.of(tok), 4))), loop.feedback());
    }

    @Test void codeBindsItsLimitsWithDefaults() {
        Loop loop = parse("""
                feedback:
                  - {type: code, timeout_seconds: 3}
                  - {type: code, cpu_seconds: 2, memory_mb: 512, max_processes: 8, parallel: 4, python: /usr/local/bin/python3}
                  - {type: code}
                """);
        assertEquals(List.of(new FeedbackItem(1.0, new CodeVerifier(3, 5, 1024, 32, 0, "/usr/bin/python3")),
                new FeedbackItem(1.0, new CodeVerifier(10, 2, 512, 8, 4, "/usr/local/bin/python3")),
                new FeedbackItem(1.0, new CodeVerifier())), loop.feedback());
    }

    static Arguments c(String items, String expected) { return Arguments.of(items, expected); }

    /** Items start at line 2. */
    static Stream<Arguments> errors() {
        return Stream.of(
                c("  - {type: math}\n  - {words: [a]}\n", "@3: feedback item 2: missing key 'type'; one of " + TYPES),
                c("  - {type: contain, words: [a]}\n", "@2: feedback item 1: type: expected one of " + TYPES
                        + "; got \"contain\"; did you mean 'contains'?"),
                c("  - {type: 3}\n", "@2: feedback item 1: type: expected one of " + TYPES + "; got 3"),
                c("  - {type: contains, word: [a]}\n", "@2: unknown key 'word' in 'feedback item 1'; did you mean 'words'?"),
                c("  - {type: math}\n  - type: math\n    wieght: 2\n", "@4: unknown key 'wieght' in 'feedback item 2'; did you mean 'weight'?"),
                c("  - {type: math, words: [a]}\n", "@2: unknown key 'words' in 'feedback item 1'; loop --keys lists the keys"),
                c("  - {type: contains}\n", "@2: missing required key feedback item 1: words (loop --keys shows every key)"),
                c("  - {type: length, max: ten}\n", "@2: feedback item 1: max: expected an integer, got \"ten\""),
                c("  - {type: contains, words: park, weight: high}\n", "@2: feedback item 1: weight: expected a number, got \"high\""),
                c("  - type: length\n    min: 5\n    max: 2\n", "@4: feedback item 1: max must be >= min (5), got 2"),
                c("  - {type: length}\n", "@2: in 'feedback item 1': length needs min, max or both"),
                c("  - {type: math}\n  - type: math\n    weight: 0\n", "@4: feedback item 2: weight must be a finite number > 0, got 0.0"),
                c("  - {type: code, timeout_seconds: 0}\n", "@2: feedback item 1: timeout_seconds must be a finite number > 0, got 0.0"),
                c("  - {type: code, max_processes: 1}\n", "@2: feedback item 1: max_processes must be >= 3, got 1"),
                c("  - {type: code, python: python3}\n", "@2: feedback item 1: python must be an absolute path, got python3"),
                c("  - {type: regex, pattern: '('}\n", "@2: feedback item 1: pattern is not a valid Java regular expression: "
                        + "Unclosed group near index 1 of ("),
                c("  - {type: self_consistency, extract: regex}\n", "@2: in 'feedback item 1': extract: regex needs a pattern with one capturing group"),
                c("  - {type: self_consistency, extract: regex, pattern: 'x=\\d+'}\n",
                        "@2: feedback item 1: pattern needs a capturing group (...) around the answer, got x=\\d+"),
                c("  - {type: self_consistency, pattern: '(\\d+)'}\n", "@2: feedback item 1: pattern is read by extract: regex only, but extract is math"),
                c("  - {type: self_consistency, extract: vote}\n", "@2: feedback item 1: extract: expected one of math, regex, exact; got \"vote\""),
                c("  - {type: preference_model}\n", "@2: feedback item 1: path, judge or game is required: preference_model takes exactly one "
                        + "source, path (a jpo train method: preference directory), judge (a pairwise LLM judge's keys) or game ({words, matrix})"),
                c("  - {type: preference_model, path: rm-dir, game: {words: [a, b, c]}}\n", "@2: feedback item 1: path and game are both set: "
                        + "preference_model takes exactly one source, path (a jpo train method: preference directory), judge (a pairwise LLM "
                        + "judge's keys) or game ({words, matrix})"),
                c("  - type: preference_model\n    game: {words: [a, b, c]}\n    judge: {url: 'http://127.0.0.1:1/v1', model: m}\n",
                        "@4: feedback item 1: judge and game are both set: preference_model takes exactly one source, path (a jpo train "
                        + "method: preference directory), judge (a pairwise LLM judge's keys) or game ({words, matrix})"),
                c("  - {type: preference_model, path: nowhere}\n", "@2: feedback item 1: path: no such file or directory: @DIR/nowhere"),
                c("  - {type: preference_model, game: {words: [a, b, c]}, batch_size: 4}\n", "@2: feedback item 1: batch_size is 4, but only a "
                        + "preference model at path reads it (the source is game)"),
                c("  - {type: preference_model, game: {words: [a, b], matrix: [[0.5, 0.9, 0.3], [0.1, 0.5, 0.8], [0.7, 0.2, 0.5]]}}\n",
                        "@2: feedback item 1: game.matrix must be 2×2 (a row and a column per word), got 3 rows"),
                c("  - {type: preference_model, game: {words: [a, b, c], matrix: [[0.5, 0.9, 0.3], [0.1, 0.5], [0.7, 0.2, 0.5]]}}\n",
                        "@2: feedback item 1: game.matrix must be 3×3 (a row and a column per word), but row 2 has 2 entries"),
                c("  - {type: preference_model, game: {words: [a, b, c], matrix: [[0.5, 1.2, 0.3], [-0.2, 0.5, 0.8], [0.7, 0.2, 0.5]]}}\n",
                        "@2: feedback item 1: game.matrix[0][1] is 1.2, must be a probability in [0, 1]"),
                c("  - {type: preference_model, game: {words: [a, b, c], matrix: [[0.5, 0.9, 0.3], [0.2, 0.5, 0.8], [0.7, 0.2, 0.5]]}}\n",
                        "@2: feedback item 1: game.matrix[0][1] + matrix[1][0] is 0.9 + 0.2 = 1.1, must be 1: P(i > j) + P(j > i) = 1"),
                c("  - {type: preference_model, game: {words: [a, b, c], matrix: [[0.5, 0.9, 0.3], [0.1, 0.4, 0.8], [0.7, 0.2, 0.5]]}}\n",
                        "@2: feedback item 1: game.matrix[1][1] + matrix[1][1] is 0.4 + 0.4 = 0.8, must be 1: P(i > j) + P(j > i) = 1, so the "
                        + "diagonal is 0.5"),
                c("  - {type: preference_model, game: {words: [a, b, A]}}\n", "@2: feedback item 1: game.words lists 'A' twice (case is ignored)"),
                c("  - {type: preference_model, game: {matrix: [[0.5]]}}\n", "@2: missing required key feedback item 1: game.words (loop --keys shows every key)"),
                c("  - math\n", "@1: feedback: expected a feedback item (a mapping of its keys), got \"math\" (item 1 of [\"math\"])"),
                c("  {type: math}\n", "@1: feedback: expected a list, got {\"type\":\"math\"}"));
    }

    @ParameterizedTest @MethodSource("errors")
    void mistakesNameTheLineTheItemAndTheFix(String items, String expected) {
        String message = assertThrows(UserError.class, () -> parse("feedback:\n" + items)).getMessage();
        assertEquals(expected.replaceFirst("^@(\\d+):", "t.yaml:$1:").replace("@DIR", dir.toString()), message);
    }

    @Test void aMissingRewardModelDirectoryIsReportedWhenTheConfigIsRead() {
        String message = assertThrows(UserError.class, () -> parse("feedback:\n  - {type: reward_model, path: nowhere}\n")).getMessage();
        assertEquals("t.yaml:2: feedback item 1: path: no such file or directory: " + dir.resolve("nowhere"), message);
    }

    @Test void resolvedYamlReadsBackEqual() throws Exception {
        Files.writeString(dir.resolve("tok.json"), "{}");
        Loop loop = parse("""
                feedback:
                  - {type: contains, words: [park, "ice cream"], weight: 1.5}
                  - {type: regex, pattern: "a: \\"b\\"", mode: forbid}
                  - {type: avoids, words: [x]}
                  - {type: math, answer_field: solution, weight: 2.0}
                  - {type: length, max: 40, unit: chars}
                  - {type: json}
                  - {type: code, timeout_seconds: 2.5, parallel: 3}
                  - {type: reward_model, path: rm-dir, tokenizer: tok.json, batch_size: 3, weight: 1e-3}
                  - {type: reward_model, path: rm-dir}
                  - {type: preference_model, path: rm-dir, tokenizer: tok.json, batch_size: 4}
                  - {type: preference_model, judge: {url: 'http://127.0.0.1:1/v1', model: m, max_pairs: 2}}
                  - {type: preference_model, game: {words: [dog, cat, bird]}, weight: 2.0}
                """);
        assertEquals(new PreferenceModelConfig(Optional.empty(), Optional.empty(), 32, Optional.empty(), Optional.of(new PreferenceGame(
                List.of("dog", "cat", "bird"), List.of(List.of(0.5, 0.9, 0.3), List.of(0.1, 0.5, 0.8), List.of(0.7, 0.2, 0.5))))),
                loop.feedback().get(11).scorer());
        assertEquals(2, ((PreferenceModelConfig) loop.feedback().get(10).scorer()).judge().orElseThrow().maxPairs());
        String yaml = BINDER.toYaml(loop, "resolved");
        assertEquals(loop, BINDER.parse("elsewhere.yaml", yaml, Path.of("/"), List.of()), yaml);
        assertTrue(yaml.contains("\n  - {type: contains, words: [\"park\", \"ice cream\"], weight: 1.5}\n"), yaml);
    }

    @Test void defaultsShowAnExampleOfEveryType() {
        String defaults = BINDER.defaultsYaml("defaults").replace("\n#   implicit_reward", " implicit_reward");   // the type list wraps
        for (String s : List.of("\nfeedback: null\n", "weight (default 1.0): How much", "type: the scorer, one of " + TYPES + ":",
                "\n#   - {type: math, answer_field: answer}\n", "answer_field (default answer): The prompt row's field",
                "#   - {type: contains, words: null}\n", "words (required): Words",
                "#   - {type: code, timeout_seconds: 10, cpu_seconds: 5, memory_mb: 1024, max_processes: 32, parallel: 0,\n",
                "timeout_seconds (default 10): Wall-clock seconds", "python (default /usr/bin/python3): The Python interpreter", "#   - {type: reward_model, path: null, tokenizer: null, batch_size: 16}\n",
                "\n#       The reward r(prompt, completion)"))
            assertTrue(defaults.contains(s), s + " in\n" + defaults);
        assertEquals(List.of("feedback"), Binder.keys(Loop.class));
        assertEquals(List.of("weight", "type", "answer_field", "pattern", "mode", "words", "min", "max", "unit", "required_keys",
                "timeout_seconds", "cpu_seconds", "memory_mb", "max_processes", "parallel", "python", "path", "tokenizer", "batch_size",
                "members", "reference", "beta", "url", "model", "api_key_env", "api", "k", "retries", "temperature", "max_tokens", "template",
                "max_concurrency", "max_pairs", "judge", "game", "extract"), Binder.keys(FeedbackItem.class));
    }
}
