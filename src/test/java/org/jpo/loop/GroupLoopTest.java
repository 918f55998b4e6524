package org.jpo.loop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.testing.Cli;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * pairs.strategy group with each group loss on stories260K: every scored sample of a prompt becomes a row carrying its
 * group-relative advantage (as the estimator's formula gives it from the scores), the round trains with TRL's GRPO
 * metrics, the advantages' distribution reaches the round's counts, and a round killed mid-training and resumed ends
 * with the weights of an uninterrupted one.
 */
class GroupLoopTest {
    @TempDir static Path tmp;
    static Path config;

    @BeforeAll static void config() throws Exception {
        Path base = LoopFixtures.storiesConfig(tmp);
        // the fixture's DPO keys out; a group run's own in
        List<String> lines = Files.readAllLines(base).stream()
                .filter(l -> !l.contains("loss_type") && !l.contains("beta") && !l.contains("num_train_epochs")).toList();
        List<String> out = new ArrayList<>();
        for (String l : lines) out.add(l.equals("train:") ? "pairs: {strategy: group}\ntrain:\n  loss_type: grpo" : l);
        config = Files.write(tmp.resolve("group.yaml"), out);
    }

    static Path run(String name, boolean resume, String... overrides) {
        Path out = tmp.resolve(name);
        List<String> args = new ArrayList<>(List.of("--threads", "1", "run", config.toString(), "output_dir=" + out));
        args.addAll(List.of(overrides));
        if (resume) args.add("--resume");
        Cli.Result r = Cli.run(args.toArray(String[]::new));
        assertEquals(0, r.exit(), r.toString());
        return out;
    }

    static List<JsonNode> rows(Path f) { return org.jpo.io.Jsonl.read(f).stream().map(l -> (JsonNode) l.json()).toList(); }

    static JsonNode manifest(Path out) throws Exception { return org.jpo.io.Jsonl.JSON.readTree(out.resolve("round-001/manifest.json").toFile()); }

    /** The advantages of one prompt's scores, from the formulas (unbiased std as torch's; TRL's 1e-4). */
    static double[] expected(String loss, double[] r) {
        int g = r.length;
        double mean = 0, ss = 0;
        for (double x : r) mean += x / g;
        for (double x : r) ss += (x - mean) * (x - mean);
        double std = Math.sqrt(ss / (g - 1));
        double[] a = new double[g];
        for (int i = 0; i < g; i++) {
            a[i] = switch (loss) {
                case "grpo" -> (r[i] - mean) / (std + 1e-4);
                case "dr_grpo" -> r[i] - mean;
                default -> r[i] - (mean * g - r[i]) / (g - 1);
            };
        }
        return a;
    }

    /** Every scored sample is a row; its advantage is the formula's of its prompt's scores; the round logs TRL's names. */
    static void checkRound(Path out, String loss, boolean kl) throws Exception {
        List<JsonNode> samples = rows(out.resolve("round-001/samples.jsonl")), pairs = rows(out.resolve("round-001/pairs.jsonl"));
        Map<String, List<JsonNode>> byPrompt = new LinkedHashMap<>();
        for (JsonNode p : pairs) byPrompt.computeIfAbsent(p.get("prompt_id").asText(), k -> new ArrayList<>()).add(p);
        assertEquals(samples.size(), pairs.size(), "every sample is scored by contains, so every one is a row");
        for (List<JsonNode> group : byPrompt.values()) {
            double[] r = group.stream().mapToDouble(p -> p.get("score").doubleValue()).toArray();
            double[] a = expected(loss, r);
            for (int i = 0; i < r.length; i++) {
                JsonNode p = group.get(i);
                assertEquals(a[i], p.get("advantage").doubleValue(), 1e-12, p.toString());
                assertEquals(4, p.get("group_size").intValue());
                assertTrue(p.has("prompt") && p.has("completion") && p.has("completion_ids") && p.has("group_mean") && p.has("group_std"), p.toString());
            }
        }
        JsonNode m = manifest(out), counts = m.get("counts"), train = m.get("train");
        assertEquals(pairs.size(), counts.get("grouped").intValue());
        assertEquals(pairs.size(), counts.get("training_rows").intValue());
        double[] all = pairs.stream().mapToDouble(p -> p.get("advantage").doubleValue()).sorted().toArray();
        assertEquals(all[0], counts.get("advantages").get("min").doubleValue(), 0);
        assertEquals(all[all.length - 1], counts.get("advantages").get("max").doubleValue(), 0);
        for (String k : List.of("reward", "reward_std", "clip_ratio/region_mean", "clip_ratio/low_mean", "clip_ratio/high_mean",
                "completion_length", "frac_reward_zero_std")) assertTrue(train.has(k), k + " missing from " + train);
        assertEquals(kl, train.has("kl"), "kl is logged exactly when beta > 0: " + train);
        assertTrue(Files.isRegularFile(out.resolve("round-001/train/old_logps.bin")));
        // π_old is the sampling policy: each row's token log-probs add up to the log-prob the sampler drew it with
        // (temperature 1, no top-k/top-p; a KV-cache decode against one full forward, in float32: measured 2.8e-5)
        double[][] old = oldLogps(out.resolve("round-001/train/old_logps.bin"));
        assertEquals(pairs.size(), old.length);
        double worst = 0;
        for (int i = 0; i < old.length; i++) {
            JsonNode p = pairs.get(i), s = samples.stream().filter(x -> x.get("prompt_id").equals(p.get("prompt_id"))
                    && x.get("sample_index").equals(p.get("completion_index"))).findFirst().orElseThrow();
            assertEquals(p.get("completion_ids").size(), old[i].length);
            worst = Math.max(worst, Math.abs(java.util.Arrays.stream(old[i]).sum() - s.get("logp").doubleValue()));
        }
        System.out.println(loss + ": largest |Σ old log-probs − sampled logp| " + worst);
        assertTrue(worst < 5e-5, "old log-probs are not the sampling policy's: off by " + worst);
        assertTrue(Files.readString(out.resolve("report.html")).contains("Advantages of the samples kept"));
    }

    static double[][] oldLogps(Path f) throws java.io.IOException {
        try (var in = new java.io.DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(f)))) {
            double[][] out = new double[in.readInt()][];
            for (int i = 0; i < out.length; i++) {
                out[i] = new double[in.readInt()];
                for (int j = 0; j < out[i].length; j++) out[i][j] = in.readDouble();
            }
            return out;
        }
    }

    /**
     * grpo, then the same run SIGKILLed mid-training and resumed (in JVMs of their own, as {@link LoopResumeTest}): the resumed
     * round reads π_old back from old_logps.bin (recomputed from the checkpoint's moved weights it would train differently)
     * and ends with the uninterrupted run's weights, bit for bit.
     */
    @Test void grpoKilledMidTrainingResumesToTheSameWeights() throws Exception {
        Path whole = run("grpo", false, "rounds=1", "train.save_steps=4"), killed = tmp.resolve("grpo-killed");
        checkRound(whole, "grpo", false);
        Process p = LoopResumeTest.jpo(config, killed, false, "rounds=1", "train.save_steps=4");
        LoopResumeTest.killWhen(p, () -> Files.isDirectory(killed.resolve("round-001/train/checkpoint-4")));
        assertFalse(Files.exists(killed.resolve("round-001/checkpoint")), "the kill came after training finished");
        assertEquals(0, LoopResumeTest.jpo(config, killed, true, "rounds=1", "train.save_steps=4").waitFor(), "see " + tmp.resolve("grpo-killed.log"));
        assertTrue(Files.readString(tmp.resolve("grpo-killed.log")).contains("resuming from"), "training did not resume from its checkpoint");
        for (String f : List.of("round-001/train/old_logps.bin", "round-001/checkpoint/model.safetensors", "round-001/eval.json")) {
            assertArrayEquals(Files.readAllBytes(whole.resolve(f)), Files.readAllBytes(killed.resolve(f)), f + " differs after kill and resume");
        }
    }

    @Test void drGrpoWithAKlPenaltyReadsTheReference() throws Exception {
        checkRound(run("dr_grpo", false, "rounds=1", "train.loss_type=dr_grpo", "train.beta=0.04"), "dr_grpo", true);
    }

    @Test void rlooWithTwoIterations() throws Exception {
        Path out = run("rloo", false, "rounds=1", "train.loss_type=rloo", "train.num_iterations=2");
        checkRound(out, "rloo", false);
        // μ = 2 passes: twice the optimizer steps of one (24 rows... at batch 2: 48 rows, 24 steps a pass)
        List<JsonNode> metrics = rows(out.resolve("round-001/train/metrics.jsonl"));
        assertEquals(2 * 48 / 2, metrics.get(metrics.size() - 1).get("step").intValue());
    }
}
