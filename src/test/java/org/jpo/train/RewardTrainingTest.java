package org.jpo.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.io.Jsonl;
import org.jpo.model.Checkpoints;
import org.jpo.model.Transformer;
import org.jpo.testing.Cli;
import org.jpo.testing.Shared;
import org.jpo.tokenizer.Tokenizer;
import org.jpo.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code jpo train} with {@code method: reward} on stories260K's own stories labelled by a rule (mentions a park),
 * then {@code jpo score} with the trained reward model: held-out pairs are ranked right more than 90% of the time.
 */
class RewardTrainingTest {
    @TempDir Path tmp;

    @Test void rewardModelLearnsTheRuleAndScores() throws Exception {
        System.setProperty("jpo.cache.dir", tmp.resolve("cache").toString());
        Path train, eval;
        try (Transformer base = Checkpoints.load(Shared.stories260K());
             Tokenizer tok = Tokenizers.require(Shared.stories260K(), Optional.of(Shared.tok512()))) {
            train = StoryPairs.write(tmp.resolve("train.jsonl"), StoryPairs.stories(base, tok, 768, 40, 41), "park", 2);
            eval = StoryPairs.write(tmp.resolve("eval.jsonl"), StoryPairs.stories(base, tok, 384, 40, 42), "park", 1);
        }
        Path out = tmp.resolve("rm");
        Files.writeString(tmp.resolve("rm.yaml"), "method: reward\nmodel: " + Shared.stories260K() + "\ntokenizer: " + Shared.tok512()
                + "\ntrain_file: " + train + "\neval_file: " + eval + "\noutput_dir: " + out + "\nlearning_rate: 0.001\nnum_train_epochs: 2"
                + "\nper_device_train_batch_size: 8\nmax_length: 128\nmax_prompt_length: 64\nlogging_steps: 10\nsave_steps: 100000\n");
        Cli.Result r = Cli.run("train", tmp.resolve("rm.yaml").toString());
        assertEquals(0, r.exit(), r.toString());
        double trainerAccuracy = MetricsLog.read(out.resolve("metrics.jsonl")).stream().filter(l -> l.has("eval_accuracy"))
                .reduce((a, b) -> b).orElseThrow().get("eval_accuracy").asDouble();
        assertTrue(trainerAccuracy > 0.9, "trainer's held-out accuracy " + trainerAccuracy);

        // jpo score on the held-out completions: chosen outscores rejected
        List<ObjectNode> rows = new ArrayList<>();
        List<JsonNode> pairs = Jsonl.read(eval).stream().map(l -> (JsonNode) l.json()).toList();
        for (JsonNode p : pairs) {
            rows.add(Jsonl.JSON.createObjectNode().put("prompt", "").put("completion", p.get("chosen").asText()));
            rows.add(Jsonl.JSON.createObjectNode().put("prompt", "").put("completion", p.get("rejected").asText()));
        }
        Jsonl.write(tmp.resolve("score-in.jsonl"), rows);
        Cli.Result s = Cli.run("score", "--reward-model", out.resolve("final").toString(), "--input", tmp.resolve("score-in.jsonl").toString(),
                "--out", tmp.resolve("scores.jsonl").toString());
        assertEquals(0, s.exit(), s.toString());
        List<Jsonl.Line> scored = Jsonl.read(tmp.resolve("scores.jsonl"));
        assertEquals(rows.size(), scored.size());
        int right = 0;
        for (int i = 0; i < pairs.size(); i++) {
            if (scored.get(2 * i).json().get("score").asDouble() > scored.get(2 * i + 1).json().get("score").asDouble()) right++;
        }
        double accuracy = right / (double) pairs.size();
        System.out.printf("reward model: trainer eval_accuracy %.3f, jpo score held-out accuracy %.3f (%d pairs)%n", trainerAccuracy, accuracy, pairs.size());
        assertTrue(accuracy > 0.9, "jpo score ranks " + right + " of " + pairs.size() + " held-out pairs right");
        System.clearProperty("jpo.cache.dir");
    }
}
