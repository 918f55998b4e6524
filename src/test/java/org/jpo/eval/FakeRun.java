package org.jpo.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.io.Jsonl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a realistic {@code jpo run} directory in the format the loop writes: rounds.jsonl, config.resolved.yaml and,
 * per round, eval_samples.jsonl, pairs.jsonl and train/metrics.jsonl. Values are simple functions of the round, so
 * tests can name the numbers they expect (round r: eval/mean_score = 0.31 + 0.1 r, all_tied = 24 - 4 r, ...).
 */
public final class FakeRun {
    /** A completion that would end the script block and open a tag if anything were left unescaped. */
    public static final String NASTY = "19</script><b>x & \"q\" <!--<script>";

    private FakeRun() {}

    /** Round 0 plus {@code rounds} training rounds, each with every file. */
    public static Path write(Path dir, int rounds) throws IOException {
        Files.writeString(dir.resolve("config.resolved.yaml"), "rounds: " + rounds + "\npolicy: models/stories260K\n"
                + "feedback:\n  verifier: arithmetic   # <b>not bold</b>\npairs:\n  strategy: best_worst\n");
        List<ObjectNode> rows = new ArrayList<>();
        for (int r = 0; r <= rounds; r++) {
            rows.add(round(r));
            Path d = Files.createDirectories(dir.resolve("round-%03d".formatted(r)));
            Jsonl.write(d.resolve("eval_samples.jsonl"), evalSamples(r));
            if (r == 0) continue;
            Jsonl.write(d.resolve("pairs.jsonl"), pairs(r));
            Jsonl.write(d.resolve("train/metrics.jsonl"), metrics(r));
        }
        Jsonl.write(dir.resolve("rounds.jsonl"), rows);
        return dir;
    }

    /**
     * A run of seed {@code seed} whose {@code eval/greedy_pass_rate} at round r is {@code greedyPassRate[r]} (its
     * other keys as {@link #round}), with {@code greedyPassRate.length - 1} training rounds, each with samples.jsonl
     * (8 completions of 10 + r tokens) and train/metrics.jsonl. Its {@link Costs} are then: seconds 3.1 + Σ_{r≥1}
     * (47.5 + 2.1 r), sampled tokens Σ_{r≥1} 8 (10 + r), trained tokens Σ_{r≥1} 64 (20 + 5 r).
     */
    public static Path seeded(Path dir, long seed, double... greedyPassRate) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.resolved.yaml"), "# jpo run config, resolved\noutput_dir: \"" + dir + "\"\nseed: " + seed
                + "\nrounds: " + (greedyPassRate.length - 1) + "\npolicy: models/stories260K\n");
        List<ObjectNode> rows = new ArrayList<>();
        for (int r = 0; r < greedyPassRate.length; r++) {
            rows.add(round(r).put("eval/greedy_pass_rate", greedyPassRate[r]));
            if (r == 0) continue;
            Path d = Files.createDirectories(dir.resolve("round-%03d".formatted(r)));
            Jsonl.write(d.resolve("samples.jsonl"), samples(r));
            Jsonl.write(d.resolve("train/metrics.jsonl"), metrics(r));
        }
        Jsonl.write(dir.resolve("rounds.jsonl"), rows);
        return dir;
    }

    /** 8 completions (2 prompts × 4 samples) of 10 + r tokens each. */
    static List<ObjectNode> samples(int r) {
        List<ObjectNode> rows = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            ObjectNode o = Jsonl.JSON.createObjectNode().put("prompt_id", "p" + i / 4).put("prompt_index", i / 4).put("policy", "current")
                    .put("greedy", false).put("sample_index", i % 4).put("prompt", "12+" + i / 4 + "=").put("completion", "x".repeat(10 + r));
            var ids = o.putArray("completion_ids");
            for (int t = 0; t < 10 + r; t++) ids.add(300 + t);
            rows.add(o.put("finish_reason", "length").put("tokens", 10 + r).put("logp", -3.5).put("seed", 1000 + i).put("score", i % 2));
        }
        return rows;
    }

    static ObjectNode round(int r) {
        ObjectNode o = Jsonl.JSON.createObjectNode().put("round", r)
                .put("eval/mean_score", 0.31 + 0.1 * r).put("eval/pass_rate", 0.25 + 0.1 * r)
                .put("eval/greedy_mean_score", 0.3 + 0.125 * r).put("eval/greedy_pass_rate", 0.3 + 0.1 * r)
                .put("eval/mean_length", 5.2 + r / 3.0).put("eval/kl_to_initial", 0.04321 * r)
                .put("eval/win_rate_vs_initial", 0.5 + 0.05 * r);
        ObjectNode t = o.putObject("timings");
        if (r > 0) {
            o.putObject("counts").put("prompts", 64).put("samples", 512).put("scored", 500).put("missing", 12)
                    .put("pairs", 40 + 4 * r).put("labeled", 0).put("sft_targets", 0).put("ties_dropped", 0)
                    .put("all_tied", 24 - 4 * r).put("too_few", 0).put("below_margin", 0).put("below_threshold", 0).put("reversed", 0);
            t.put("sample", 12.3 + r).put("score", 0.4).put("reference_logps", 1.2).put("train", 30.5 + r);
            o.putObject("train").put("loss", 0.6 - 0.05 * r).put("rewards/accuracies", 0.8).put("rewards/margins", 0.9);
            ObjectNode sc = o.putObject("scorers");
            sc.putObject("math").put("scored", 500).put("missing", 12).put("mean", 0.25 + 0.125 * r).put("std", 0.5);
            sc.putObject("judge:policy").put("scored", 400).put("missing", 112).put("mean", 2.5).put("std", 1.0).put("mean_spread", 0.75)
                    .putObject("stats").put("judgments", 1200.0).put("unparsed", 130.0).put("votes/0", 100.0).put("votes/3", 570.0).put("votes/5", 400.0);
            sc.putObject("pairwise_judge:policy").put("scored", 480).put("missing", 32).put("mean", 0.5).put("std", 0.2)
                    .put("position_bias_rate", 0.375).putObject("stats").put("unparsed", 7.0 * r);
            sc.putObject("preference_model:game").put("scored", 512).put("missing", 0).put("mean", 0.5).put("std", 0.25)
                    .putObject("stat_means").put("kind_1", 0.25 * r).put("kind_2", 0.5).put("kind_3", 0.5 - 0.25 * r).put("kind_other", 0.0);
            o.putArray("scorer_agreement").addObject().put("pairs", 900).put("agreement", 0.625 + 0.0625 * r)
                    .putArray("scorers").add("math").add("pairwise_judge:policy");
        }
        t.put("eval", 3.1 + 0.1 * r);
        if (r == 3) o.put("note", NASTY); // rows are copied into the data block as they are
        return o;
    }

    static List<ObjectNode> evalSamples(int r) {
        List<ObjectNode> rows = new ArrayList<>();
        for (int p = 0; p < 10; p++) {
            String completion = p == 0 && r == 3 ? NASTY : (12 + p + r) + " apples";
            rows.add(Jsonl.JSON.createObjectNode().put("prompt_id", "" + p).put("prompt", "12+" + p + "=").put("greedy", true)
                    .put("sample_index", 0).put("completion", completion).put("score", p % 2 == 0 ? 1.0 : 0.0).put("tokens", 3));
            ObjectNode sampled = Jsonl.JSON.createObjectNode().put("prompt_id", "" + p).put("prompt", "12+" + p + "=").put("greedy", false)
                    .put("sample_index", 0).put("completion", "sampled " + p).put("tokens", 2);
            sampled.putNull("score").put("missing_reason", "no number");
            rows.add(sampled);
        }
        return rows;
    }

    static List<ObjectNode> pairs(int r) {
        List<ObjectNode> rows = new ArrayList<>();
        for (int i = 0; i < 40 + 4 * r; i++) {
            double chosen = 1.0, rejected = i % 3 == 0 ? 0.5 : 0.0;
            rows.add(Jsonl.JSON.createObjectNode().put("prompt_id", "" + i).put("prompt", "q" + i).put("chosen", "a").put("rejected", "b")
                    .put("chosen_index", 3).put("rejected_index", 5).put("chosen_score", chosen).put("rejected_score", rejected)
                    .put("margin", chosen - rejected));
        }
        return rows;
    }

    /** 20 training lines and an eval_loss line every 10 steps; a later round trains for more steps. */
    static List<ObjectNode> metrics(int r) {
        List<ObjectNode> rows = new ArrayList<>();
        for (int step = 1; step <= 20 + 5 * r; step++) {
            rows.add(Jsonl.JSON.createObjectNode().put("step", step).put("epoch", step / 20.0).put("loss", 0.69 / (1 + 0.05 * step * r))
                    .put("rewards/accuracies", Math.min(1, 0.5 + 0.02 * step)).put("rewards/margins", 0.05 * step * r)
                    .put("grad_norm", 1.5).put("learning_rate", 5e-6).put("num_tokens", 64));
            if (step % 10 == 0) rows.add(Jsonl.JSON.createObjectNode().put("step", step).put("eval_loss", 0.7 / (1 + 0.04 * step * r)));
        }
        return rows;
    }
}
