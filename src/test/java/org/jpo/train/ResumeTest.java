package org.jpo.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.io.Jsonl;
import org.jpo.testing.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A run killed (SIGKILL, a separate JVM) at a random step and resumed with {@code --resume} ends with the same
 * weights, bit for bit, and the same metrics as a run never interrupted.
 */
class ResumeTest {
    @TempDir Path tmp;

    /**
     * An output_dir written before the group losses' keys existed (its config.resolved.yaml without epsilon and
     * num_iterations) resumes: a key added since is no difference, at its default; a changed key still is.
     */
    @Test void aConfigSavedBeforeNewKeysExistedResumes() throws Exception {
        System.setProperty("jpo.cache.dir", tmp.resolve("cache").toString());
        Path data = TrainFixtures.dogPairs(tmp.resolve("pairs.jsonl"), 8), out = tmp.resolve("old");
        Path config = TrainFixtures.config(tmp.resolve("old.yaml"), data, out, "learning_rate: 0.001\nmax_steps: 1\nper_device_train_batch_size: 4\n");
        assertEquals(0, Cli.run("train", config.toString()).exit());
        Path saved = out.resolve(SavedConfig.FILE);
        List<String> lines = Files.readAllLines(saved);
        List<String> old = lines.stream().filter(l -> !l.startsWith("epsilon:") && !l.startsWith("num_iterations:")).toList();
        assertEquals(2, lines.size() - old.size(), "the two keys added with the group losses");
        Files.write(saved, old);
        Cli.Result r = Cli.run("train", config.toString(), "max_steps=2", "--resume");
        assertEquals(0, r.exit(), r.toString());
        Files.write(saved, old);
        Cli.Result changed = Cli.run("train", config.toString(), "max_steps=3", "learning_rate=0.002", "--resume");
        assertEquals(2, changed.exit(), changed.toString());
        assertTrue(changed.err().contains("config differs"), changed.err());
    }

    @Test void killedAndResumedEqualsUninterrupted() throws Exception {
        System.setProperty("jpo.cache.dir", tmp.resolve("cache").toString());
        Path data = TrainFixtures.dogPairs(tmp.resolve("pairs.jsonl"), 48);
        // logging every 3 steps, checkpoints every 2: a checkpoint usually falls inside a logging window
        String settings = "learning_rate: 0.001\nmax_steps: 60\nper_device_train_batch_size: 4\ngradient_accumulation_steps: 2\n"
                + "warmup_ratio: 0.1\nlr_scheduler_type: cosine\nweight_decay: 0.01\nlogging_steps: 3\nsave_steps: 2\n"
                + "eval_fraction: 0.25\neval_steps: 9\nseed: 7\n";
        Path whole = tmp.resolve("whole"), killed = tmp.resolve("killed");
        assertEquals(0, Cli.run("train", TrainFixtures.config(tmp.resolve("a.yaml"), data, whole, settings).toString()).exit());

        Path config = TrainFixtures.config(tmp.resolve("b.yaml"), data, killed, settings);
        int killAt = 4 + 2 * new Random().nextInt(20);   // a checkpoint step in [4, 42]; logged if the test fails
        Process p = new ProcessBuilder(javaCommand("train", config.toString())).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("killed.log").toFile()).start();
        Path checkpoint = killed.resolve("checkpoint-" + killAt);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(checkpoint) && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(2);
        p.destroyForcibly().waitFor();
        assertFalse(Files.exists(killed.resolve("final")), "the run finished before it could be killed (kill at " + killAt + ")");
        assertTrue(Files.exists(checkpoint), "no checkpoint-" + killAt + "; log:\n" + Files.readString(tmp.resolve("killed.log")));

        long left = Checkpointing.stepOf(Checkpointing.latest(killed).orElseThrow());   // the newest the killed run left
        Cli.Result resumed = Cli.run("train", config.toString(), "--resume");
        assertEquals(0, resumed.exit(), resumed.toString());
        // it continued from that checkpoint, not from scratch
        assertEquals(left, Jsonl.JSON.readTree(resumed.out()).get("resumed_from_step").longValue(), resumed.toString());
        assertTrue(left >= killAt && resumed.err().contains("(step " + left + ")"), resumed.err());
        long newest = Checkpointing.stepOf(Checkpointing.latest(killed).orElseThrow());
        assertTrue(newest > left, "resume wrote no checkpoint after step " + left);

        assertArrayEquals(Files.readAllBytes(whole.resolve("final/model.safetensors")),
                Files.readAllBytes(killed.resolve("final/model.safetensors")), "weights differ after a kill at step " + killAt);
        assertEquals(withoutTimings(whole), withoutTimings(killed), "metrics differ after a kill at step " + killAt);
    }

    /** metrics.jsonl without the wall-clock field. */
    static List<JsonNode> withoutTimings(Path out) { return withoutTimings(out, 21); }

    /** metrics.jsonl without the wall-clock field; it must have at least {@code minLines} lines. */
    static List<JsonNode> withoutTimings(Path out, int minLines) {
        List<JsonNode> lines = new ArrayList<>();
        for (JsonNode l : MetricsLog.read(out.resolve("metrics.jsonl"))) {
            ((ObjectNode) l).remove("tokens_per_second");
            lines.add(l);
        }
        assertTrue(lines.size() >= minLines, "too few metric lines: " + lines.size());
        return lines;
    }

    /** The same JVM, classpath and settings as this test, running the CLI. */
    static List<String> javaCommand(String... args) {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), "-Djpo.cache.dir=" + System.getProperty("jpo.cache.dir"),
                "-Dai.djl.offline=true", "org.jpo.cli.Main"));
        cmd.addAll(List.of(args));
        return cmd;
    }
}
