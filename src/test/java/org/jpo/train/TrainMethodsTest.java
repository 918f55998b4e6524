package org.jpo.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.io.Jsonl;
import org.jpo.io.SafeTensors;
import org.jpo.testing.Cli;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The other methods and options end to end on stories260K: SFT, TR-DPO syncing, WPO and LD-DPO, reference: none. */
class TrainMethodsTest {
    @TempDir Path tmp;

    @BeforeEach void isolatedCache() { System.setProperty("jpo.cache.dir", tmp.resolve("cache").toString()); }

    @AfterEach void restore() { System.clearProperty("jpo.cache.dir"); }

    private Cli.Result train(String name, Path data, String extra) throws Exception {
        return Cli.run("train", TrainFixtures.config(tmp.resolve(name + ".yaml"), data, tmp.resolve(name), extra).toString());
    }

    @Test void sftLowersTheCompletionLoss() throws Exception {
        List<ObjectNode> rows = new ArrayList<>();
        for (String o : TrainFixtures.OPENINGS) rows.add(Jsonl.JSON.createObjectNode().put("text", o + " dog. The dog was happy."));
        Path data = tmp.resolve("sft.jsonl");
        Jsonl.write(data, rows);
        String settings = "learning_rate: 0.002\nmax_steps: 30\nper_device_train_batch_size: 6\nlogging_steps: 5\nsave_steps: 1000\n";
        Cli.Result wrong = train("as-dpo", data, settings);
        assertEquals(2, wrong.exit(), "a {text} file is not a preference set: " + wrong);
        Path cfg = TrainFixtures.config(tmp.resolve("sft.yaml"), data, tmp.resolve("sft"), settings);
        Files.writeString(cfg, Files.readString(cfg).replace("method: dpo", "method: sft"));
        Cli.Result r = Cli.run("train", cfg.toString());
        assertEquals(0, r.exit(), r.toString());
        List<JsonNode> log = MetricsLog.read(tmp.resolve("sft/metrics.jsonl"));
        double first = log.get(0).get("loss").asDouble(), last = log.get(log.size() - 1).get("loss").asDouble();
        assertTrue(last < 0.5 * first, "SFT loss " + first + " -> " + last);
    }

    @Test void trDpoMovesTheReferenceTowardThePolicy() throws Exception {
        Path data = TrainFixtures.dogPairs(tmp.resolve("pairs.jsonl"), 16);
        // alpha 1 with a sync every step: the reference becomes the policy after every update
        Cli.Result r = train("trdpo", data, "learning_rate: 0.001\nmax_steps: 4\nper_device_train_batch_size: 4\nsave_steps: 2\n"
                + "logging_steps: 1\nsync_ref_model: true\nref_model_mixup_alpha: 1.0\nref_model_sync_steps: 1\n");
        assertEquals(0, r.exit(), r.toString());
        Path ckpt = tmp.resolve("trdpo/checkpoint-2");
        assertArrayEquals(weights(ckpt.resolve("model.safetensors")), weights(ckpt.resolve("reference/model.safetensors")));
        // and with alpha 0 it never moves: the reference stays the initial model, unlike the policy
        r = train("frozen", data, "learning_rate: 0.001\nmax_steps: 4\nper_device_train_batch_size: 4\nsave_steps: 2\n"
                + "logging_steps: 1\nsync_ref_model: true\nref_model_mixup_alpha: 0.0\nref_model_sync_steps: 1\n");
        assertEquals(0, r.exit(), r.toString());
        Path f = tmp.resolve("frozen/checkpoint-2");
        assertFalse(java.util.Arrays.equals(weights(f.resolve("model.safetensors")), weights(f.resolve("reference/model.safetensors"))));
    }

    @Test void wpoAndLdDpoTrain() throws Exception {
        Path data = TrainFixtures.dogPairs(tmp.resolve("pairs.jsonl"), 16);
        Cli.Result r = train("wpo", data, "learning_rate: 0.001\nmax_steps: 6\nper_device_train_batch_size: 4\nsave_steps: 100\n"
                + "logging_steps: 1\nuse_weighting: true\nld_alpha: 0.5\n");
        assertEquals(0, r.exit(), r.toString());
        for (JsonNode l : MetricsLog.read(tmp.resolve("wpo/metrics.jsonl"))) assertTrue(Double.isFinite(l.get("loss").asDouble()), l.toString());
    }

    @Test void referenceNoneIsForReferenceFreeLosses() throws Exception {
        Path data = TrainFixtures.dogPairs(tmp.resolve("pairs.jsonl"), 8);
        Cli.Result bad = train("none", data, "max_steps: 1\nreference: none\n");
        assertEquals(2, bad.exit(), bad.toString());
        assertTrue(bad.err().contains("reference"), bad.err());
        Cli.Result ok = train("simpo", data, "loss_type: simpo\nbeta: 2.0\nlearning_rate: 0.0001\nmax_steps: 2\nper_device_train_batch_size: 4\nsave_steps: 100\nlogging_steps: 1\n");
        assertEquals(0, ok.exit(), ok.toString());
        assertFalse(ok.err().contains("reference log-probs"), "a reference-free loss computed reference log-probs:\n" + ok.err());
    }

    /** The tensor bytes of a safetensors file (the header may order entries the same; compare the data). */
    private static byte[] weights(Path file) throws Exception {
        byte[] all = Files.readAllBytes(file);
        long start = SafeTensors.readHeader(file).dataStart();
        return java.util.Arrays.copyOfRange(all, (int) start, all.length);
    }
}
