package org.jpo.loop;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.io.Jsonl;
import org.jpo.model.Checkpoints;
import org.jpo.model.Transformer;
import org.jpo.testing.Cli;
import org.jpo.testing.Shared;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.jpo.tensor.Tensors.toFloats;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The loop's other settings end to end on stories260K, one short run each: every row kind (pairs, KTO rows, SFT
 * targets, anchored pairs, SPPO win probabilities) reaches the trainer, and the reference and update settings do
 * what their formulas say to the saved weights.
 */
class LoopVariantsTest {
    @TempDir static Path tmp;
    static Path config;

    @BeforeAll static void config() throws Exception { config = LoopFixtures.storiesConfig(tmp); }

    static Path run(String name, String... overrides) { return run(config, name, overrides); }

    static Path run(Path config, String name, String... overrides) {
        Path out = tmp.resolve(name);
        List<String> args = new ArrayList<>(List.of("run", config.toString(), "output_dir=" + out));
        args.addAll(List.of(overrides));
        Cli.Result r = Cli.run(args.toArray(String[]::new));
        assertEquals(0, r.exit(), r.toString());
        return out;
    }

    static List<ObjectNode> rows(Path f) { return Jsonl.read(f).stream().map(Jsonl.Line::json).toList(); }

    static ObjectNode manifest(Path out, int round) throws Exception {
        return (ObjectNode) Jsonl.JSON.readTree(out.resolve(String.format("round-%03d/manifest.json", round)).toFile());
    }

    @Test void unpairedLabelsEveryScoredSampleForKto() throws Exception {
        Path out = run("unpaired", "rounds=1", "pairs={strategy: unpaired, threshold: 1.0}", "train.loss_type=kto");
        List<ObjectNode> samples = rows(out.resolve("round-001/samples.jsonl")), pairs = rows(out.resolve("round-001/pairs.jsonl"));
        assertEquals(samples.size(), pairs.size());
        for (ObjectNode p : pairs) assertEquals(p.get("score").doubleValue() >= 1.0, p.get("label").booleanValue(), p.toString());
        assertEquals(pairs.size(), manifest(out, 1).get("counts").get("training_rows").intValue());
        assertTrue(manifest(out, 1).get("train").has("kl"), "KTO's metrics were not logged: " + manifest(out, 1).get("train"));
    }

    @Test void bestFineTunesOnEachPromptsBestSample() throws Exception {
        // SFT reads no loss keys: a config that sets one is refused, so this one sets none
        Path sft = Files.write(tmp.resolve("sft.yaml"), Files.readAllLines(config).stream()
                .filter(l -> !l.contains("loss_type") && !l.contains("beta")).toList());
        Path out = run(sft, "best", "rounds=1", "pairs={strategy: best}", "train.learning_rate=1.0e-4");
        List<ObjectNode> pairs = rows(out.resolve("round-001/pairs.jsonl"));
        assertEquals(12, pairs.size(), "one SFT target per prompt");
        for (ObjectNode p : pairs) {
            assertTrue(p.has("completion") && !p.has("label") && !p.has("rejected"), p.toString());
            double best = rows(out.resolve("round-001/samples.jsonl")).stream().filter(s -> s.get("prompt_id").equals(p.get("prompt_id")))
                    .mapToDouble(s -> s.get("score").doubleValue()).max().orElseThrow();
            assertEquals(best, p.get("score").doubleValue());
        }
        assertFalse(manifest(out, 1).get("train").has("rewards/margins"), "SFT logs no DPO metrics");
    }

    @Test void anchoredRejectsAreTheInitialPolicysSamples() throws Exception {
        Path out = run("anchored", "rounds=1", "pairs.strategy=anchored");
        List<ObjectNode> samples = rows(out.resolve("round-001/samples.jsonl"));
        assertEquals(12 * 4, samples.stream().filter(s -> s.get("policy").asText().equals("initial")).count());
        for (ObjectNode p : rows(out.resolve("round-001/pairs.jsonl"))) {
            assertTrue(p.get("chosen_index").intValue() < 4 && p.get("rejected_index").intValue() >= 4, p.toString());
        }
    }

    @Test void sppoPairsCarryWinProbabilitiesToTheSppoLoss() throws Exception {
        Path out = run("sppo", "rounds=1", "pairs.strategy=sppo", "train.loss_type=sppo");
        List<ObjectNode> pairs = rows(out.resolve("round-001/pairs.jsonl"));
        assertFalse(pairs.isEmpty());
        for (ObjectNode p : pairs) assertTrue(p.get("chosen_win_prob").doubleValue() > p.get("rejected_win_prob").doubleValue(), p.toString());
    }

    /** Round 1 trains the same in all three (the reference is the initial policy); momentum and the EMA follow their formulas. */
    @Test void momentumAndTheEmaReferenceFollowTheirFormulas() {
        Path plain = run("plain", "rounds=1"), apo = run("apo", "rounds=1", "momentum=0.5"), ema = run("ema", "rounds=1", "reference=ema", "ema_rate=0.25");
        try (Transformer start = Checkpoints.load(Shared.stories260K()); Transformer a = load(plain); Transformer m = load(apo); Transformer e = load(ema);
             Transformer ref = Checkpoints.load(ema.resolve("round-001/reference"))) {
            assertEquals(a.checksum(), e.checksum(), "round 1 of reference: ema trains against the initial policy too");
            for (String k : a.parameterNames()) {
                float[] t0 = toFloats(start.parameters().get(k)), t1 = toFloats(a.parameters().get(k)), tm = toFloats(m.parameters().get(k)),
                        r = toFloats(ref.parameters().get(k));
                for (int i = 0; i < t0.length; i++) {
                    assertEquals(t1[i] + 0.5f * (t1[i] - t0[i]), tm[i], 0f, "momentum " + k + "[" + i + "]");
                    assertEquals(0.75f * t0[i] + 0.25f * t1[i], r[i], 0f, "ema " + k + "[" + i + "]");
                }
            }
            assertNotEquals(start.checksum(), a.checksum(), "round 1 did not train");
        }
    }

    @Test void historyTrainsOnTheLastRoundsPairs() throws Exception {
        Path out = run("history", "pairs.history=2", "reference=previous_round");
        int p1 = rows(out.resolve("round-001/pairs.jsonl")).size(), p2 = rows(out.resolve("round-002/pairs.jsonl")).size();
        assertEquals(p1, manifest(out, 1).get("counts").get("training_rows").intValue());
        assertEquals(p1 + p2, manifest(out, 2).get("counts").get("training_rows").intValue());
        assertTrue(Files.isSymbolicLink(out.resolve("best")));
    }

    /** A reward model's scores reach samples.jsonl and pairing exactly as the scorer gives them on its own. */
    @Test void aRewardModelScoresTheRound() throws Exception {
        Path rm = tmp.resolve("reward-model");   // not the run's output_dir (tmp/rm)
        try (Transformer base = Checkpoints.load(Shared.stories260K()); org.jpo.model.RewardModel m = org.jpo.model.RewardModel.fromPolicy(base, 5)) {
            m.save(rm, List.of(Shared.tok512()));
        }
        Path out = run("rm", "rounds=1", "feedback=[{type: reward_model, path: " + rm + "}]");
        List<ObjectNode> samples = rows(out.resolve("round-001/samples.jsonl"));
        try (org.jpo.feedback.RewardModelScorer alone = org.jpo.feedback.RewardModelScorer.open(rm, java.util.Optional.empty(), 16)) {
            for (ObjectNode s : samples) {
                double expected = alone.score(org.jpo.feedback.ScoreInput.of(s.get("prompt").asText()), List.of(s.get("completion").asText())).get(0).value();
                assertEquals(expected, s.get("score").doubleValue(), 5e-6, s.toString());   // batched vs alone: 2.9e-6 at most over the 48
            }
        }
        assertEquals(0, manifest(out, 1).get("counts").get("all_tied").intValue(), "real-valued rewards do not tie");
        assertEquals(12, rows(out.resolve("round-001/pairs.jsonl")).size());
    }

    /**
     * An ensemble of the implicit reward (against a reference of all-zero weights, so log π_ref(y) = −|y|·log V) and
     * "park"; its spread drops uncertain pairs (pairs.uncertainty_k).
     */
    @Test void anEnsembleWithTheImplicitRewardAndUncertaintyFiltering() throws Exception {
        Path zeros = tmp.resolve("zeros");
        try (Transformer base = Checkpoints.load(Shared.stories260K()); Transformer z = Transformer.random(base.config(), 1);
             var g = new org.bytedeco.pytorch.NoGradGuard()) {
            z.parameters().values().forEach(org.bytedeco.pytorch.Tensor::zero_);
            Checkpoints.save(z, zeros, List.of());
        }
        double k = 0.25;
        Path out = run("ensemble", "rounds=1", "pairs.uncertainty_k=" + k, "feedback=[{type: ensemble, members: [{type: implicit_reward, "
                + "reference: " + zeros + ", beta: 0.01}, {type: contains, words: [park]}]}]");
        String name = "ensemble(implicit_reward:" + zeros + ",contains:park)";
        List<ObjectNode> samples = rows(out.resolve("round-001/samples.jsonl"));
        int checked = 0;
        double worst = 0;
        try (org.jpo.tokenizer.Tokenizer tok = org.jpo.tokenizer.Tokenizers.open(Shared.tok512())) {
            for (ObjectNode s : samples) {
                // details: "implicit_reward:…=r, contains:park=c"; mean (r + c) / 2, population std |r − c| / 2
                String[] parts = s.get("details").get(name).asText().split(", ");
                double r = Double.parseDouble(parts[0].substring(parts[0].lastIndexOf('=') + 1)), c = Double.parseDouble(parts[1].substring(parts[1].lastIndexOf('=') + 1));
                assertEquals((r + c) / 2, s.get("score").doubleValue(), 1e-12);
                assertEquals(Math.abs(r - c) / 2, s.get("score_std").doubleValue(), 1e-12);
                assertEquals(s.get("score_std").doubleValue(), s.get("stds").get(name).doubleValue());
                int[] ids = Jsonl.ROWS.convertValue(s.get("completion_ids"), int[].class), prompt = tok.encode(s.get("prompt").asText(), true);
                if (java.util.Arrays.equals(ids, tok.encodeContinuation(s.get("prompt").asText(), prompt, s.get("completion").asText(), true))) {
                    // the scorer's forward against the sampler's own log-probs
                    double want = 0.01 * (s.get("logp").doubleValue() + ids.length * Math.log(512));
                    worst = Math.max(worst, Math.abs(want - r));
                    checked++;
                }
            }
        }
        assertTrue(checked >= samples.size() / 2, checked + " of " + samples.size() + " samples re-encode to their ids");
        // float32 forwards: log π_ref = −|y|·log 512 summed in float over 24 tokens is the larger part; 2.2e-7 seen
        assertTrue(worst < 3e-7, "implicit reward vs β·(log π + |y|·log V): " + worst + " apart");
        ObjectNode m = manifest(out, 1);
        int uncertain = m.get("counts").get("uncertain").intValue();
        assertTrue(uncertain > 0, "no pair was uncertain at k = " + k + ": " + m.get("counts"));
        assertEquals(12, m.get("counts").get("pairs").intValue() + uncertain + m.get("counts").get("ties_dropped").intValue()
                + m.get("counts").get("all_tied").intValue() + m.get("counts").get("too_few").intValue(), m.get("counts").toString());
        java.util.Map<String, ObjectNode> byKey = new java.util.HashMap<>();
        for (ObjectNode s : samples) byKey.put(s.get("prompt_id").asText() + "/" + s.get("sample_index").asInt(), s);
        for (ObjectNode p : rows(out.resolve("round-001/pairs.jsonl"))) {
            double sc = byKey.get(p.get("prompt_id").asText() + "/" + p.get("chosen_index").asInt()).get("score_std").doubleValue();
            double sr = byKey.get(p.get("prompt_id").asText() + "/" + p.get("rejected_index").asInt()).get("score_std").doubleValue();
            assertTrue(p.get("margin").doubleValue() > k * Math.hypot(sc, sr), p.toString());
        }
        assertTrue(m.get("scorers").get(name).get("mean_spread").doubleValue() > 0);
    }

    static Transformer load(Path out) { return Checkpoints.load(out.resolve("round-001/checkpoint")); }
}
