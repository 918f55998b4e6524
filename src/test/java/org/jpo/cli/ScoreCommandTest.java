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

    private static List<String> fieldNames(JsonNode n) {
        List<String> names = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
