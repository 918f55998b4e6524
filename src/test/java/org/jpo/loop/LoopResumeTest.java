package org.jpo.loop;

import org.jpo.testing.Shared;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The resume contract: a run SIGKILLed mid-sampling and again mid-training, then resumed, ends with the same weights,
 * bit for bit, as a run never interrupted, and never redoes a finished phase. Each run is its own JVM (one thread,
 * so the arithmetic is the same in all three), killed with SIGKILL when its run directory shows it in that phase.
 */
class LoopResumeTest {
    @TempDir Path tmp;

    @Test void killedMidSamplingAndMidTrainingThenResumedEndsWithTheSameWeights() throws Exception {
        Path config = LoopFixtures.storiesConfig(tmp, "save_steps: 1");
        Path whole = tmp.resolve("whole"), killed = tmp.resolve("killed");

        assertEquals(0, jpo(config, whole, false).waitFor(), "uninterrupted run failed; see " + tmp.resolve("whole.log"));

        // round 2 sampling: its folder exists, its completions do not yet
        Process p = jpo(config, killed, false);
        killWhen(p, () -> Files.isDirectory(killed.resolve("round-002")));
        assertFalse(Files.exists(killed.resolve("round-002/completions.jsonl")), "the kill came after sampling finished");
        assertFalse(Files.exists(killed.resolve("round-002/samples.jsonl")));
        FileTime round1Samples = Files.getLastModifiedTime(killed.resolve("round-001/samples.jsonl"));

        // round 2 training: an in-round checkpoint exists, the round's checkpoint does not
        p = jpo(config, killed, true);
        killWhen(p, () -> Files.isDirectory(killed.resolve("round-002/train/checkpoint-1")));
        assertFalse(Files.exists(killed.resolve("round-002/checkpoint")), "the kill came after training finished");
        FileTime round2Samples = Files.getLastModifiedTime(killed.resolve("round-002/samples.jsonl"));

        assertEquals(0, jpo(config, killed, true).waitFor(), "resumed run failed; see " + tmp.resolve("killed.log"));
        assertEquals(round1Samples, Files.getLastModifiedTime(killed.resolve("round-001/samples.jsonl")), "round 1's samples were redone");
        assertEquals(round2Samples, Files.getLastModifiedTime(killed.resolve("round-002/samples.jsonl")), "round 2's samples were redone");
        for (String f : List.of("round-001/checkpoint/model.safetensors", "round-002/checkpoint/model.safetensors", "round-002/samples.jsonl",
                "round-002/pairs.jsonl", "round-002/eval.json")) {
            assertArrayEquals(Files.readAllBytes(whole.resolve(f)), Files.readAllBytes(killed.resolve(f)), f + " differs after kill and resume");
        }
        assertTrue(Files.readString(tmp.resolve("killed.log")).contains("resuming from"), "training did not resume from its checkpoint");
        assertEquals(Files.readAllLines(whole.resolve("rounds.jsonl")).size(), Files.readAllLines(killed.resolve("rounds.jsonl")).size());
    }

    /** {@code jpo --threads 1 run CONFIG output_dir=OUT [--resume]} in a new JVM, its output appended to OUT's log. */
    static Process jpo(Path config, Path out, boolean resume, String... overrides) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xss8m",
                "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"), "org.jpo.cli.Main", "--threads", "1", "run",
                config.toString(), "output_dir=" + out));
        cmd.addAll(List.of(overrides));
        if (resume) cmd.add("--resume");
        Path log = out.resolveSibling(out.getFileName() + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        return pb.start();
    }

    /** SIGKILLs {@code p} as soon as {@code ready} holds (polled every 10 ms); fails if p ends first or after 3 minutes. */
    static void killWhen(Process p, Check ready) throws Exception {
        waitFor(p, ready);
        p.destroyForcibly();   // SIGKILL on Linux
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(137, p.exitValue(), "the process was not killed by SIGKILL");
    }

    /** Returns once {@code ready} holds (polled every 10 ms); fails if p ends first or after 3 minutes. */
    static void waitFor(Process p, Check ready) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!ready.holds()) {
            assertTrue(p.isAlive(), "the run ended before the moment came (exit " + (p.isAlive() ? "" : p.exitValue()) + ")");
            assertTrue(System.nanoTime() < deadline, "the moment never came");
            Thread.sleep(10);
        }
    }

    interface Check { boolean holds() throws Exception; }
}
