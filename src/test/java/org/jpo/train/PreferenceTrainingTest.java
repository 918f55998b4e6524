package org.jpo.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.feedback.PreferenceModelScorer;
import org.jpo.feedback.Score;
import org.jpo.feedback.ScoreInput;
import org.jpo.io.Jsonl;
import org.jpo.testing.Cli;
import org.jpo.testing.Shared;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code jpo train} with {@code method: preference} on stories260K learns an intransitive preference: dog ≻ cat,
 * cat ≻ bird, bird ≻ dog. No reward model can: any r(x, y) orders the three, and P(last ≻ first) = σ(r_last − r_first)
 * ≤ ½ for the pair that closes the cycle. Then {@code type: preference_model, path:} scores a held-out prompt's three
 * completions with the cycle.
 */
class PreferenceTrainingTest {
    static final String[] KINDS = {"dog", "cat", "bird"};   // each beats the next, and bird beats dog
    @TempDir Path tmp;

    /** n pairs over stories260K openings, a third for each edge of the cycle. */
    static Path cycle(Path file, int n) {
        List<ObjectNode> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(Jsonl.JSON.createObjectNode().put("prompt", TrainFixtures.OPENINGS[i / 3 % TrainFixtures.OPENINGS.length])
                    .put("chosen", " " + KINDS[i % 3] + ".").put("rejected", " " + KINDS[(i + 1) % 3] + "."));
        }
        Jsonl.write(file, rows);
        return file;
    }

    @Test void aPreferenceModelLearnsACycleThatNoRewardCanHold() throws Exception {
        Path out = tmp.resolve("pm");
        Files.writeString(tmp.resolve("pm.yaml"), "method: preference\nmodel: " + Shared.stories260K() + "\ntokenizer: " + Shared.tok512()
                + "\ntrain_file: " + cycle(tmp.resolve("train.jsonl"), 48) + "\neval_file: " + cycle(tmp.resolve("eval.jsonl"), 12)
                + "\noutput_dir: " + out + "\nlearning_rate: 0.01\nlr_scheduler_type: constant\nnum_train_epochs: 4\n"
                + "per_device_train_batch_size: 8\nmax_length: 64\nmax_prompt_length: 32\nlogging_steps: 6\nsave_steps: 100000\nseed: 1\n");
        Cli.Result r = Cli.run("--threads", "1", "train", tmp.resolve("pm.yaml").toString());
        assertEquals(0, r.exit(), r.toString());
        var last = MetricsLog.read(out.resolve("metrics.jsonl")).stream().filter(l -> l.has("eval_accuracy")).reduce((a, b) -> b).orElseThrow();
        assertEquals(1.0, last.get("eval_accuracy").asDouble(), last.toString());
        assertTrue(Files.isRegularFile(out.resolve("final/preference_model.json")));

        // a prompt it never saw: each completion beats the next one around the cycle (measured: 0.99, 0.97 and 0.82 for bird > dog)
        try (PreferenceModelScorer pm = PreferenceModelScorer.open(out.resolve("final"), Optional.empty(), 32)) {
            List<Score> s = pm.score(ScoreInput.of("Anna looked at the"), List.of(" dog.", " cat.", " bird."));
            for (int i = 0; i < 3; i++) {
                double win = s.get(i).winProbs().get((i + 1) % 3);
                assertTrue(win > 0.75, "P(" + KINDS[i] + " > " + KINDS[(i + 1) % 3] + ") = " + win + " " + s);
                assertEquals(1.0, win + s.get((i + 1) % 3).winProbs().get(i), 1e-12);
            }
        }
    }
}
