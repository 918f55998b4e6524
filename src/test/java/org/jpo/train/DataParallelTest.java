package org.jpo.train;

import com.fasterxml.jackson.databind.JsonNode;
import org.jpo.io.Jsonl;
import org.jpo.io.SafeTensors;
import org.jpo.testing.Cli;
import org.jpo.testing.Ranks;
import org.jpo.testing.Tree;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.jpo.tensor.Tensors.toFloats;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code jpo train} on two ranks (two JVMs on c10d's Gloo, one thread each) trains what one process trains on the same
 * micro-batches: the 2-rank global batch of 2 × 4 pairs is, in one process, 4 pairs with gradient_accumulation_steps 2.
 */
class DataParallelTest {
    @TempDir Path tmp;

    /** 40 dog-preferring pairs: 5 global batches of 8 an epoch, so both runs split every epoch the same way. */
    private Path config(String extra) throws Exception {
        Path pairs = TrainFixtures.dogPairs(tmp.resolve("pairs.jsonl"), 40);
        return TrainFixtures.config(tmp.resolve("dpo.yaml"), pairs, tmp.resolve("unused"),
                "learning_rate: 1.0e-3\nmax_steps: 6\nlogging_steps: 1\nsave_steps: 2\n" + extra);
    }

    /** LoRA: the adapters are the trainable parameters the ranks broadcast, average and compare. */
    @Test void loraAdaptersTooOnTwoRanks() throws Exception {
        sameAsOneProcess(config("lora_r: 8\nlora_target_modules: all-linear\n"), "lora");
        assertTrue(Files.exists(tmp.resolve("lora-two/final/adapter_model.safetensors")));
    }

    private void sameAsOneProcess(Path yaml, String name) throws Exception {
        Path one = tmp.resolve(name + "-one"), two = tmp.resolve(name + "-two");
        Cli.Result r = Cli.run("--threads", "1", "train", yaml.toString(), "output_dir=" + one, "per_device_train_batch_size=4",
                "gradient_accumulation_steps=2");
        assertEquals(0, r.exit(), r.toString());

        Ranks ranks = Ranks.start(tmp.resolve(name + "-ranks"), 2, "train", yaml.toString(), "output_dir=" + two, "per_device_train_batch_size=4");
        assertEquals(List.of(0, 0), ranks.exits(120), ranks.logs());
        assertTrue(ranks.log0().contains("parameters identical on all 2 ranks"), ranks.log0());

        String weights = Files.exists(one.resolve("final/adapter_model.safetensors")) ? "adapter_model.safetensors" : "model.safetensors";
        assertEquals(0, maxDifference(one.resolve("final"), two.resolve("final"), weights), "weights differ");
        assertEquals(withoutSpeed(one), withoutSpeed(two), "metrics.jsonl differs");
        // rank 0 alone wrote output_dir: the same files as the one process, and rank 1 wrote none of its own
        assertEquals(Tree.snapshot(one).keySet(), Tree.snapshot(two).keySet());
    }

    @Test void ktoAndSftOnTwoRanksMatchOneProcessOnTheGlobalBatch() throws Exception {
        for (String method : List.of("kto", "sft")) {
            Path rows = tmp.resolve(method + ".jsonl");
            Jsonl.write(rows, java.util.stream.IntStream.range(0, 40).mapToObj(i -> method.equals("kto")
                    ? Jsonl.JSON.createObjectNode().put("prompt", TrainFixtures.OPENINGS[i % 6]).put("completion", i % 2 == 0 ? " dog." : " cat.")
                            .put("label", i % 2 == 0)
                    : Jsonl.JSON.createObjectNode().put("prompt", TrainFixtures.OPENINGS[i % 6]).put("completion", " dog. The dog " + "ran ".repeat(1 + i % 4))).toList());
            Path yaml = TrainFixtures.config(tmp.resolve(method + ".yaml"), rows, tmp.resolve("unused"),
                    "learning_rate: 1.0e-3\nmax_steps: 4\nlogging_steps: 1\n").toAbsolutePath();
            Files.writeString(yaml, Files.readString(yaml).replace("method: dpo", "method: " + method));
            Path one = tmp.resolve(method + "-one"), two = tmp.resolve(method + "-two");
            Cli.Result r = Cli.run("--threads", "1", "train", yaml.toString(), "output_dir=" + one, "per_device_train_batch_size=8");
            assertEquals(0, r.exit(), r.toString());
            Ranks ranks = Ranks.start(tmp.resolve(method + "-ranks"), 2, "train", yaml.toString(), "output_dir=" + two, "per_device_train_batch_size=4");
            assertEquals(List.of(0, 0), ranks.exits(120), ranks.logs());
            // the global batch is one forward of 8 here and two of 4 there: the sums round differently
            double d = maxDifference(one.resolve("final"), two.resolve("final"));
            System.out.println(method + " max weight difference " + d);
            // measured 7.1e-5 (kto) and 3.0e-5 (sft) on this VM; the bounds leave under 2x for another CPU's rounding
            double bound = method.equals("kto") ? 1e-4 : 5e-5;
            assertTrue(d < bound, method + ": weights differ by " + d);
            List<JsonNode> a = MetricsLog.read(one.resolve("metrics.jsonl")), b = MetricsLog.read(two.resolve("metrics.jsonl"));
            assertEquals(a.size(), b.size());
            for (int i = 0; i < a.size(); i++) {
                assertEquals(a.get(i).get("loss").asDouble(), b.get(i).get("loss").asDouble(), 1e-4, method + " loss at line " + i);
                assertEquals(a.get(i).get("num_tokens").asDouble(), b.get(i).get("num_tokens").asDouble(), 0, method + " tokens at line " + i);
            }
        }
    }

    /**
     * Two ranks train DPO bit for bit as one process on the same micro-batches, even across a kill: rank 1 is SIGKILLed
     * after checkpoint-2, rank 0 stops at once with one line, and --resume on two ranks ends with one process's weights,
     * metrics and files.
     */
    @Test void twoRanksTrainAsOneProcessAndAKilledRankResumesToTheSame() throws Exception {
        Path yaml = config("dist_timeout_seconds: 30\n");
        Path one = tmp.resolve("one"), two = tmp.resolve("two");
        List<String> steps = List.of("max_steps=30");
        Cli.Result r = Cli.run("--threads", "1", "train", yaml.toString(), "output_dir=" + one, "per_device_train_batch_size=4",
                "gradient_accumulation_steps=2", steps.get(0));
        assertEquals(0, r.exit(), r.toString());

        Ranks ranks = Ranks.start(tmp.resolve("killed"), 2, "train", yaml.toString(), "output_dir=" + two, "per_device_train_batch_size=4", steps.get(0));
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (!Files.isDirectory(two.resolve("checkpoint-2")) && System.nanoTime() < deadline) Thread.sleep(20);
        ranks.processes.get(1).destroyForcibly();   // SIGKILL
        long t0 = System.nanoTime();
        assertEquals(2, ranks.exits(60).get(0), ranks.logs());
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("rank 0 stopped %.2f s after rank 1 was killed%n", seconds);
        assertTrue(seconds < 30, "rank 0 took " + seconds + " s to stop");
        List<String> errors = ranks.log0().lines().filter(l -> l.startsWith("error:")).toList();
        assertEquals(1, errors.size(), ranks.log0());
        System.out.println(errors.get(0));
        assertFalse(errors.get(0).contains(".cc:"), "libtorch's build path in the line: " + errors.get(0));
        assertTrue(errors.get(0).startsWith("error: rank 0 of 2: ") && errors.get(0).contains("failed: a peer died or did not answer within 30 s"),
                errors.get(0));
        assertFalse(Files.exists(two.resolve("final")), "a killed run wrote final/");
        // one process would train the rest on global batches of 4: refused, naming how to resume
        Map<String, String> before = Tree.snapshot(two);
        Cli.Result alone = Cli.run("--threads", "1", "train", yaml.toString(), "output_dir=" + two, "per_device_train_batch_size=4", steps.get(0), "--resume");
        assertEquals(2, alone.exit(), alone.toString());
        assertTrue(alone.err().contains("was trained by 2 ranks (global batch per_device_train_batch_size × 2), this run has 1: resume it with 2 ranks"),
                alone.err());
        assertEquals(before, Tree.snapshot(two), "the refused resume changed output_dir");

        Ranks resumed = Ranks.start(tmp.resolve("resumed"), 2, "train", yaml.toString(), "output_dir=" + two, "per_device_train_batch_size=4",
                steps.get(0), "--resume");
        assertEquals(List.of(0, 0), resumed.exits(120), resumed.logs());
        assertTrue(resumed.log0().contains("resuming from " + two.resolve("checkpoint-")), resumed.log0());
        assertTrue(resumed.log0().contains("parameters identical on all 2 ranks"), resumed.log0());
        assertEquals(0, maxDifference(one.resolve("final"), two.resolve("final")), "the resumed run's weights differ");
        assertEquals(withoutSpeed(one), withoutSpeed(two), "the resumed run's metrics.jsonl differs");
        // rank 0 alone wrote output_dir: the same files as the one process, and rank 1 wrote none of its own
        assertEquals(Tree.snapshot(one).keySet(), Tree.snapshot(two).keySet());
    }

    /** A rank that never joins is GroupTest's; here one that joins with another config. */
    @Test void aRankWithAnotherConfigIsNamedByEveryRank() throws Exception {
        Path yaml = config("dist_timeout_seconds: 30\n");
        // rank 1 with another learning rate: both stop before training, naming rank 1
        int port2 = org.jpo.dist.World.freePort();
        Path out = tmp.resolve("b");
        Ranks r0 = Ranks.start(tmp.resolve("differ"), 2, port2, List.of(0), "train", yaml.toString(), "output_dir=" + out);
        Ranks r1 = Ranks.start(tmp.resolve("differ"), 2, port2, List.of(1), "train", yaml.toString(), "output_dir=" + out, "learning_rate=2.0e-3");
        assertEquals(List.of(2), r0.exits(60), r0.logs());
        assertEquals(List.of(2), r1.exits(60), r1.log(1).toString());
        String expected = " of 2: the resolved config (or the checkpoint it resumes) of rank 1 differs from rank 0's";
        assertTrue(r0.log0().contains("error: rank 0" + expected), r0.log0());
        assertTrue(Files.readString(r1.log(1)).contains("error: rank 1" + expected), Files.readString(r1.log(1)));
        assertFalse(Files.exists(out.resolve("metrics.jsonl")), "training started");

        // dist_backend: nccl needs natives this build does not have: refused at once, before joining
        Ranks nccl = Ranks.start(tmp.resolve("nccl"), 2, org.jpo.dist.World.freePort(), List.of(0), "train", yaml.toString(),
                "output_dir=" + tmp.resolve("c"), "dist_backend=nccl");
        assertEquals(List.of(2), nccl.exits(60), nccl.logs());
        assertTrue(nccl.log0().contains("error: dist_backend: nccl needs a GPU build of jpo"), nccl.log0());
    }

    static double maxDifference(Path a, Path b) { return maxDifference(a, b, "model.safetensors"); }

    static double maxDifference(Path a, Path b, String file) {
        Map<String, org.bytedeco.pytorch.Tensor> x = SafeTensors.read(a.resolve(file)), y = SafeTensors.read(b.resolve(file));
        assertEquals(x.keySet(), y.keySet());
        double max = 0;
        for (String k : x.keySet()) {
            float[] p = toFloats(x.get(k)), q = toFloats(y.get(k));
            for (int i = 0; i < p.length; i++) max = Math.max(max, Math.abs(p[i] - q[i]));
        }
        return max;
    }

    static List<String> withoutSpeed(Path dir) throws Exception {
        return Files.readAllLines(dir.resolve("metrics.jsonl")).stream().map(l -> l.replaceAll(",\"(tokens_per_second|allreduce_seconds)\":[^,}]*", "")).toList();
    }
}
