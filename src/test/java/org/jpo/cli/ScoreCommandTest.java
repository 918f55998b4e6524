package org.jpo.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.jpo.io.Jsonl;
import org.jpo.model.Checkpoints;
import org.jpo.model.ModelConfig;
import org.jpo.model.RewardModel;
import org.jpo.model.SequenceBatch;
import org.jpo.model.Transformer;
import org.jpo.testing.Cli;
import org.jpo.testing.Shared;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.jpo.tensor.Tensors.toDoubles;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code jpo score} on a random reward model with the hand-written template tokenizer ({@code <s>}=1,
 * {@code </s>}=2, ▁ab=11, ▁c=12, c=8; see HfTokenizerTest): rows come back in order with "score" added,
 * equal to the model's reward on the hand-tokenized ids; bad input names file:line.
 */
class ScoreCommandTest {
    static final ModelConfig CONFIG = ModelConfig.llama(14, 16, 1, 2, 2, 24, 8);

    @TempDir Path tmp;
    Path rm;

    static Path resource(String name) {
        try {
            return Path.of(ScoreCommandTest.class.getResource("/tokenizers/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeEach void saveRewardModel() {
        rm = tmp.resolve("rm");
        try (PointerScope scope = new PointerScope(); Transformer base = Transformer.random(CONFIG, 31);
             RewardModel m = RewardModel.fromPolicy(base, 32)) {
            m.save(rm, List.of(resource("template/tokenizer.json"), resource("template/tokenizer_config.json")));
        }
    }

    private static void assertUserError(Cli.Result r, String... fragments) {
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().startsWith("error: "), r.toString());
        for (String f : fragments) assertTrue(r.err().contains(f), "missing '" + f + "' in\n" + r);
    }

    /** The reward of prompt ids + completion ids, alone in its batch. */
    private double reward(int[] prompt, int[] completion) {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard(); RewardModel m = RewardModel.load(rm)) {
            return toDoubles(m.rewards(SequenceBatch.of(List.of(prompt), List.of(completion), 0)))[0];
        }
    }

    @Test void rowsComeBackInOrderWithTheirScoreAndOtherFieldsKept() throws Exception {
        Path in = tmp.resolve("in.jsonl"), out = tmp.resolve("out.jsonl");
        Files.writeString(in, """
                {"id": "x", "prompt": "ab", "completion": " c"}
                {"prompt": "ab", "completion": "c", "meta": {"k": [1, 2]}}

                {"prompt": "", "completion": "c c"}
                """);
        Cli.Result r = Cli.run("score", "--reward-model", rm.toString(), "--input", in.toString(), "--out", out.toString(),
                "--batch-size", "2");
        assertEquals(0, r.exit(), r.toString());
        List<Jsonl.Line> rows = Jsonl.read(out);
        assertEquals(3, rows.size());
        // ab|␣c = <s> ▁ab | ▁c </s>;  ab|c = <s> ▁ab | c </s>;  |c c = <s> | ▁c ▁c </s>
        double[] expected = {reward(new int[] {1, 11}, new int[] {12, 2}), reward(new int[] {1, 11}, new int[] {8, 2}),
                reward(new int[] {1}, new int[] {12, 12, 2})};
        for (int i = 0; i < 3; i++) assertEquals(expected[i], rows.get(i).json().get("score").doubleValue(), 1e-5, "row " + i);
        assertEquals("x", rows.get(0).json().get("id").textValue());
        assertEquals(List.of("id", "prompt", "completion", "score"), fieldNames(rows.get(0).json()));
        assertEquals(2, rows.get(1).json().get("meta").get("k").get(1).intValue());
    }

    @Test void writesToStandardOutputWithoutOut() throws Exception {
        Path in = tmp.resolve("in.jsonl");
        Files.writeString(in, "{\"prompt\": \"ab\", \"completion\": \"c\"}\n");
        Cli.Result r = Cli.run("score", "--reward-model", rm.toString(), "--input", in.toString());
        assertEquals(0, r.exit(), r.toString());
        JsonNode row = Jsonl.JSON.readTree(r.out().strip());
        assertEquals(reward(new int[] {1, 11}, new int[] {8, 2}), row.get("score").doubleValue(), 1e-5);
    }

    @Test void aMissingFieldIsNamedByFileAndLine() throws Exception {
        Path in = tmp.resolve("bad.jsonl");
        Files.writeString(in, "{\"prompt\": \"ab\", \"completion\": \"c\"}\n{\"prompt\": \"ab\"}\n");
        assertUserError(Cli.run("score", "--reward-model", rm.toString(), "--input", in.toString()),
                in + ":2: field 'completion' must be a string (missing)");
    }

    @Test void aTooLongRowIsNamedByFileAndLine() throws Exception {
        Path in = tmp.resolve("long.jsonl");
        Files.writeString(in, "{\"prompt\": \"ab\", \"completion\": \"c\"}\n{\"prompt\": \"ab\", \"completion\": \" c c c c c c\"}\n");
        assertUserError(Cli.run("score", "--reward-model", rm.toString(), "--input", in.toString()),
                in + ":2: 9 tokens (prompt 2, completion 7) exceed the reward model's context window of 8");
    }

    @Test void anExistingScoreFieldIsNotSilentlyOverwritten() throws Exception {
        Path in = tmp.resolve("scored.jsonl");
        Files.writeString(in, "{\"prompt\": \"ab\", \"completion\": \"c\", \"score\": 3}\n");
        assertUserError(Cli.run("score", "--reward-model", rm.toString(), "--input", in.toString()), in + ":1: already has a field 'score'");
    }

    @Test void aLanguageModelIsNotAcceptedAsARewardModel() throws Exception {
        Path policy = tmp.resolve("policy"), in = tmp.resolve("in.jsonl");
        try (PointerScope scope = new PointerScope(); Transformer m = Transformer.random(CONFIG, 1)) {
            Checkpoints.save(m, policy, List.of());
        }
        Files.writeString(in, "{\"prompt\": \"ab\", \"completion\": \"c\"}\n");
        assertUserError(Cli.run("score", "--reward-model", policy.toString(), "--input", in.toString()),
                policy + " is not a reward model", "LlamaForCausalLM");
    }

    @Test void badBatchSizeAndEmptyInputAreRejected() throws Exception {
        Path in = tmp.resolve("empty.jsonl");
        Files.writeString(in, "\n");
        assertUserError(Cli.run("score", "--reward-model", rm.toString(), "--input", in.toString()), in + ": no rows");
        assertUserError(Cli.run("score", "--reward-model", rm.toString(), "--input", in.toString(), "--batch-size", "0"),
                "--batch-size must be >= 1, got 0");
    }

    /**
     * A reward model made from the real stories260K carries its llama2.c tokenizer as tokenizer.bin and scores
     * "Once upon" + " a time": the README's golden ids [403, 407, 261, 378] after BOS, then EOS 2.
     */
    @Test void stories260KRewardModelScoresWithItsLlama2cTokenizer() throws Exception {
        Path dir = tmp.resolve("stories-rm"), in = tmp.resolve("story.jsonl"), out = tmp.resolve("story-scores.jsonl");
        double expected;
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard();
             Transformer base = Checkpoints.load(Shared.stories260K()); RewardModel m = RewardModel.fromPolicy(base, 5)) {
            m.save(dir, List.of(Shared.tok512()));
            expected = toDoubles(m.rewards(SequenceBatch.of(List.of(new int[] {1}), List.of(new int[] {403, 407, 261, 378, 2}), 0)))[0];
        }
        assertTrue(Files.isRegularFile(dir.resolve("tokenizer.bin")));
        Files.writeString(in, "{\"prompt\": \"Once upon\", \"completion\": \" a time\"}\n");
        Cli.Result r = Cli.run("score", "--reward-model", dir.toString(), "--input", in.toString(), "--out", out.toString());
        assertEquals(0, r.exit(), r.toString());
        assertEquals(expected, Jsonl.read(out).get(0).json().get("score").doubleValue(), 1e-5);
    }

    // --verifier: no model involved; rows gain "score" (number or null) and "details" (text or null)

    private List<JsonNode> verify(String jsonl, String... flags) throws Exception {
        Path in = tmp.resolve("v.jsonl"), out = tmp.resolve("v-out.jsonl");
        Files.writeString(in, jsonl);
        List<String> args = new java.util.ArrayList<>(List.of("score", "--input", in.toString(), "--out", out.toString(), "--overwrite"));
        args.addAll(List.of(flags));
        Cli.Result r = Cli.run(args.toArray(String[]::new));
        assertEquals(0, r.exit(), r.toString());
        return Jsonl.read(out).stream().map(l -> (JsonNode) l.json()).toList();
    }

    @Test void mathVerifierScoresEachRowAndAMissingAnswerIsNullWithItsReason() throws Exception {
        List<JsonNode> rows = verify("""
                {"id": 1, "prompt": "2+2?", "completion": "It is 4.", "answer": "#### 4"}
                {"prompt": "2+2?", "completion": "\\\\boxed{5}", "answer": "4"}
                {"prompt": "2+2?", "completion": "4"}
                """, "--verifier", "math");
        assertEquals(List.of("id", "prompt", "completion", "answer", "score", "details"), fieldNames(rows.get(0)));
        assertEquals(1.0, rows.get(0).get("score").doubleValue());
        assertEquals("answer 4 (last_number) = 4", rows.get(0).get("details").textValue());
        assertEquals(0.0, rows.get(1).get("score").doubleValue());
        assertEquals("answer 5 (boxed) != 4", rows.get(1).get("details").textValue());
        assertTrue(rows.get(2).get("score").isNull(), rows.get(2).toString());
        assertEquals("the row has no 'answer' field", rows.get(2).get("details").textValue());
    }

    @Test void verifierOptionsAreFlags() throws Exception {
        String story = "{\"prompt\": \"\", \"completion\": \"Tom went to the park. 7 trees.\"}\n";
        assertEquals(0.5, verify(story, "--verifier", "contains", "--words", "park,tree").get(0).get("score").doubleValue());
        assertEquals(0.0, verify(story, "--verifier", "avoids", "--words", "Park").get(0).get("score").doubleValue());
        assertEquals(0.0, verify(story, "--verifier", "regex", "--pattern", "\\d", "--mode", "forbid").get(0).get("score").doubleValue());
        assertEquals(1.0, verify(story, "--verifier", "REGEX", "--pattern", "park\\.").get(0).get("score").doubleValue());
        JsonNode len = verify(story, "--verifier", "length", "--min", "1", "--max", "5").get(0);
        assertEquals(0.0, len.get("score").doubleValue());
        assertEquals("7 words", len.get("details").textValue());
        assertEquals(1.0, verify(story, "--verifier", "length", "--max", "30", "--unit", "chars").get(0).get("score").doubleValue());
        String json = "{\"prompt\": \"\", \"completion\": \"```json\\n{\\\"a\\\": 1}\\n```\"}\n";
        assertEquals(1.0, verify(json, "--verifier", "json").get(0).get("score").doubleValue());
        assertEquals("missing keys: b", verify(json, "--verifier", "json", "--required-keys", "a,b").get(0).get("details").textValue());
    }

    /** --verifier NAME and a feedback: list's type: NAME name the same verifiers. */
    @Test void verifierNamesAreTheFeedbackListTags() {
        List<String> flags = java.util.Arrays.stream(ScoreCommand.VerifierName.values()).map(v -> v.name().toLowerCase()).toList();
        List<String> tags = java.util.Arrays.stream(org.jpo.feedback.Verifier.class.getPermittedSubclasses())
                .map(c -> c.getAnnotation(org.jpo.config.Tag.class).value()).toList();
        assertEquals(tags, flags);
    }

    @Test void verifierMistakesAreOneLineErrors() throws Exception {
        Path in = tmp.resolve("v.jsonl");
        Files.writeString(in, "{\"prompt\": \"p\", \"completion\": \"c\"}\n{\"prompt\": \"p\", \"answer\": \"4\"}\n");
        String file = in.toString();
        assertUserError(Cli.run("score", "--verifier", "math", "--input", file), file + ":2: field 'completion' must be a string (missing)");
        assertUserError(Cli.run("score", "--input", file), "give exactly one of --verifier NAME or --reward-model DIR");
        assertUserError(Cli.run("score", "--verifier", "math", "--reward-model", rm.toString(), "--input", file), "exactly one of");
        assertUserError(Cli.run("score", "--verifier", "maths", "--input", file),
                "--verifier: expected one of math, regex, contains, avoids, length, json, code, got 'maths'");
        assertUserError(Cli.run("score", "--verifier", "math", "--words", "a", "--input", file), "--words is set, but --verifier math does not read it");
        assertUserError(Cli.run("score", "--reward-model", rm.toString(), "--pattern", "a", "--input", file),
                "--pattern is set, but --reward-model does not read it");
        assertUserError(Cli.run("score", "--verifier", "contains", "--input", file), "--verifier contains needs --words");
        assertUserError(Cli.run("score", "--verifier", "regex", "--pattern", "(", "--input", file), "--pattern: pattern is not a valid Java regular expression");
        assertUserError(Cli.run("score", "--verifier", "length", "--min", "3", "--max", "2", "--input", file), "--max: max must be >= min (3), got 2");
        assertUserError(Cli.run("score", "--verifier", "regex", "--pattern", "a", "--mode", "maybe", "--input", file),
                "--mode: expected one of match, forbid, got 'maybe'");
        Files.writeString(in, "{\"prompt\": \"p\", \"completion\": \"c\", \"details\": \"old\"}\n");
        assertUserError(Cli.run("score", "--verifier", "json", "--input", file), file + ":1: already has a field 'details'");
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> names = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
