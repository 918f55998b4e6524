package org.jpo.eval;

import org.jpo.io.Jsonl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A sweep directory as {@code jpo sweep} lays it out, with {@link FakeRun#seeded} runs whose eval/greedy_pass_rate
 * a test can do by hand. Recipes in the sweep's order: ipo, sigmoid (the baseline), sft (a train recipe).
 * <pre>
 *   greedy_pass_rate   round 0   round 1          round 2 (final)
 *   sigmoid seeds 0-2  0.3 each  0.4 0.5 0.45     0.5 0.6 0.7
 *   ipo     seeds 0-2  0.3 each  0.5 0.5 0.5      0.6 0.8 0.7      (+ seed-3 not finished: no rounds.jsonl)
 *   sft     seeds 0-1  0.55 0.75 (eval-only runs: round 0 is final)
 * </pre>
 * sft/train/seed-0/metrics.jsonl trained on 300 tokens; sft/seed-1/sweep.json says 500 s, 0 sampled, 1000 trained.
 */
public final class FakeSweep {
    private FakeSweep() {}

    public static Path write(Path out) throws IOException {
        Files.createDirectories(out);
        Files.writeString(out.resolve("sweep.yaml"), "baseline: sigmoid\nseeds: [0, 1, 2]\nrecipes:\n  ipo: {loss_type: ipo}\n"
                + "  sigmoid: {loss_type: sigmoid}\n  sft: {command: train, config: sft.yaml}\n");
        double[] sigmoid1 = {0.4, 0.5, 0.45}, sigmoid2 = {0.5, 0.6, 0.7}, ipo2 = {0.6, 0.8, 0.7};
        for (int s = 0; s < 3; s++) {
            FakeRun.seeded(out.resolve("sigmoid/seed-" + s), s, 0.3, sigmoid1[s], sigmoid2[s]);
            FakeRun.seeded(out.resolve("ipo/seed-" + s), s, 0.3, 0.5, ipo2[s]);
        }
        Path unfinished = Files.createDirectories(out.resolve("ipo/seed-3"));
        Files.writeString(unfinished.resolve("config.resolved.yaml"), "seed: 3\n");
        FakeRun.seeded(out.resolve("sft/seed-0"), 0, 0.55);
        FakeRun.seeded(out.resolve("sft/seed-1"), 1, 0.75);
        Jsonl.write(out.resolve("sft/train/seed-0/metrics.jsonl"), List.of(
                Jsonl.JSON.createObjectNode().put("step", 1).put("loss", 2.0).put("num_tokens", 100),
                Jsonl.JSON.createObjectNode().put("step", 2).put("loss", 1.5).put("num_tokens", 100),
                Jsonl.JSON.createObjectNode().put("step", 2).put("eval_loss", 1.6),
                Jsonl.JSON.createObjectNode().put("step", 3).put("loss", 1.2).put("num_tokens", 100)));
        Files.createDirectories(out.resolve("sft/train/seed-1"));
        Files.writeString(out.resolve("sft/seed-1/sweep.json"), "{\"seconds\": 500, \"sampled_tokens\": 0, \"trained_tokens\": 1000}\n");
        return out;
    }
}
