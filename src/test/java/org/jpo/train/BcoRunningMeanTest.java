package org.jpo.train;

import com.fasterxml.jackson.databind.JsonNode;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.jpo.data.DataOptions;
import org.jpo.data.Datasets;
import org.jpo.data.PairExample;
import org.jpo.io.Jsonl;
import org.jpo.model.Checkpoints;
import org.jpo.model.LogProbs;
import org.jpo.model.SequenceBatch;
import org.jpo.model.Transformer;
import org.jpo.testing.Cli;
import org.jpo.testing.Shared;
import org.jpo.tokenizer.Tokenizer;
import org.jpo.tokenizer.Tokenizers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.jpo.tensor.Tensors.item;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code bco_pair.running_mean} (arXiv:2404.04656) on stories260K: it changes training, the mean the trainer
 * keeps is the mean of the rewards of the training batches seen (recomputed here from the saved weights), and
 * a resume continues it bit for bit.
 */
class BcoRunningMeanTest {
    static final int PAIRS = 8, STEPS = 6;
    static final double BETA = 0.1;
    @TempDir static Path tmp;
    static Path data;

    /** Every step's batch is the whole train set, so the rewards seen are known without the batch order. */
    static String settings(boolean running) {
        return "loss_type: bco_pair\nbeta: " + BETA + "\nbco_pair:\n  running_mean: " + running
                + "\nlearning_rate: 0.0003\nmax_steps: " + STEPS + "\nper_device_train_batch_size: " + PAIRS
                + "\nlogging_steps: 1\nsave_steps: 1\nsave_total_limit: 0\neval_steps: 1\nseed: 3\n";
    }

    @BeforeAll static void trainBoth() throws Exception {
        System.setProperty("jpo.cache.dir", tmp.resolve("cache").toString());
        data = TrainFixtures.dogPairs(tmp.resolve("pairs.jsonl"), PAIRS);
        TrainFixtures.dogPairs(tmp.resolve("eval.jsonl"), 4);
        train("on", true);
        train("off", false);
    }

    @AfterAll static void restore() { System.clearProperty("jpo.cache.dir"); }

    static Path config(String name, boolean running) throws IOException {
        // evaluating after every step: evaluation must read the mean, never move it
        return TrainFixtures.config(tmp.resolve(name + ".yaml"), data, tmp.resolve(name),
                settings(running) + "eval_file: " + tmp.resolve("eval.jsonl") + "\n");
    }

    static void train(String name, boolean running, String... flags) throws Exception {
        String[] args = Stream.concat(Stream.of("train", config(name, running).toString()), Stream.of(flags)).toArray(String[]::new);
        Cli.Result r = Cli.run(args);
        assertEquals(0, r.exit(), r.toString());
    }

    @Test void theRunningMeanChangesTraining() throws Exception {
        List<JsonNode> on = trainLines(tmp.resolve("on")), off = trainLines(tmp.resolve("off"));
        assertEquals(STEPS, on.size());
        // the first batch is shifted by the mean of no rewards, m = 0: the same loss as TRL's paired form
        assertEquals(off.get(0).get("loss").asDouble(), on.get(0).get("loss").asDouble(), 0, "step 1");
        double lastOn = on.get(on.size() - 1).get("loss").asDouble(), lastOff = off.get(off.size() - 1).get("loss").asDouble();
        assertNotEquals(lastOff, lastOn, "the running mean did not change the loss");
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(tmp.resolve("on/final/model.safetensors")),
                Files.readAllBytes(tmp.resolve("off/final/model.safetensors"))), "the running mean did not change the weights");
        assertEquals(0, state(tmp.resolve("off/checkpoint-1")).size(), "running_mean false keeps no state");
        System.out.printf("bco_pair final loss: running mean %.6f, m = 0 %.6f%n", lastOn, lastOff);
    }

    /** After k steps the mean is that of β·(π − r) over the 2·PAIRS completions under each of the weights θ₀..θ_{k−1}. */
    @Test void theMeanIsTheMeanOfTheRewardsSeen() throws Exception {
        try (Tokenizer tok = Tokenizers.require(Shared.stories260K(), Optional.of(Shared.tok512()));
             Transformer base = Checkpoints.load(Shared.stories260K())) {
            List<PairExample> pairs = Datasets.paired(data, tok, Optional.empty(), new DataOptions(64, 32, DataOptions.OnBadRow.ERROR), null).examples();
            assertEquals(PAIRS, pairs.size());
            double[] ref = rewardsSum(base, pairs);   // Σ r over chosen and rejected, per pair
            double sum = 0;
            double worst = 0;
            for (int k = 1; k < STEPS; k++) {
                Path before = k == 1 ? Shared.stories260K() : tmp.resolve("on/checkpoint-" + (k - 1));
                try (Transformer m = Checkpoints.load(before)) {
                    double[] pol = rewardsSum(m, pairs);
                    for (int i = 0; i < PAIRS; i++) sum += BETA * (pol[i] - ref[i]);
                }
                JsonNode st = state(tmp.resolve("on/checkpoint-" + k));
                double expected = sum / (2.0 * PAIRS * k);
                assertEquals(2L * PAIRS * k, st.get(DpoObjective.BCO_COUNT).asLong(), "count after step " + k);
                // float32 log-prob sums, batched differently: 4.5e-7 at most here
                assertEquals(expected, st.get(DpoObjective.BCO_MEAN).asDouble(), 1e-6, "mean after step " + k);
                worst = Math.max(worst, Math.abs(expected - st.get(DpoObjective.BCO_MEAN).asDouble()));
                if (k == STEPS - 1) assertTrue(Math.abs(expected) > 1e-2, "rewards too small to test the mean: " + expected);
            }
            System.out.printf("bco_pair running mean: max |trainer − recomputed| = %.2e%n", worst);
        }
    }

    @Test void resumeWithTheRunningMeanEqualsTheUninterruptedRun() throws Exception {
        // the uninterrupted run's directory as a kill after checkpoint-3 would have left it
        Path resumed = tmp.resolve("resumed");
        Files.createDirectories(resumed);
        for (String f : List.of("metrics.jsonl", "checkpoint-3")) copyTree(tmp.resolve("on").resolve(f), resumed.resolve(f));
        assertTrue(state(resumed.resolve("checkpoint-3")).get(DpoObjective.BCO_MEAN).asDouble() != 0);
        train("resumed", true, "--resume");
        assertArrayEquals(Files.readAllBytes(tmp.resolve("on/final/model.safetensors")), Files.readAllBytes(resumed.resolve("final/model.safetensors")),
                "weights differ after resuming at step 3");
        assertEquals(ResumeTest.withoutTimings(tmp.resolve("on"), STEPS), ResumeTest.withoutTimings(resumed, STEPS), "metrics differ after resuming at step 3");
    }

    static List<JsonNode> trainLines(Path out) {
        return MetricsLog.read(out.resolve("metrics.jsonl")).stream().filter(l -> l.has("loss")).toList();
    }

    /** Per pair, the summed log-probs of its chosen and rejected completion, each scored alone. */
    static double[] rewardsSum(Transformer m, List<PairExample> pairs) {
        double[] out = new double[pairs.size()];
        for (int i = 0; i < pairs.size(); i++) {
            PairExample e = pairs.get(i);
            try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                out[i] = item(LogProbs.of(m, SequenceBatch.of(List.of(e.prompt()), List.of(e.chosen()), 0)).sum())
                        + item(LogProbs.of(m, SequenceBatch.of(List.of(e.prompt()), List.of(e.rejected()), 0)).sum());
            }
        }
        return out;
    }

    static JsonNode state(Path checkpoint) throws IOException {
        return Jsonl.JSON.readTree(checkpoint.resolve(TrainerState.FILE).toFile()).path("objective_state");
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) Files.copy(p, to.resolve(from.relativize(p).toString()));
        }
    }
}
