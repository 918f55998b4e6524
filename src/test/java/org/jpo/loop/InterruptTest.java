package org.jpo.loop;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** SIGTERM mid-run: one line saying what stopped and how to go on, the JVM's usual exit code, and a run that resumes. */
class InterruptTest {
    @TempDir Path tmp;

    @Test void sigtermMidRunSaysWhatStoppedAndTheRunResumes() throws Exception {
        Path config = LoopFixtures.storiesConfig(tmp), out = tmp.resolve("out");
        Process p = LoopResumeTest.jpo(config, out, false);
        LoopResumeTest.Check sampling = () -> Files.isDirectory(out.resolve("round-001"));
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!sampling.holds()) {
            assertTrue(p.isAlive() && System.nanoTime() < deadline, "the run ended before round 1 started");
            Thread.sleep(10);
        }
        p.destroy();   // SIGTERM on Linux
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(143, p.exitValue());
        String log = Files.readString(tmp.resolve("out.log"));
        // 2 rounds × 12 prompts × 4 samples; 3 evals (round 0 too) × 6 prompts × (greedy + 2); at most 24 tokens each
        assertTrue(log.contains("plan: rounds 1-2, 96 samples and 54 eval completions of at most 24 tokens (3,600 tokens at most)"), log);
        assertTrue(log.strip().endsWith("interrupted: jpo run; nothing finished is lost: run again with --resume"), log);

        assertEquals(0, LoopResumeTest.jpo(config, out, true).waitFor(), "resume failed; see " + tmp.resolve("out.log"));
        assertEquals(3, Files.readAllLines(out.resolve("rounds.jsonl")).size(), "round 0 and two rounds");
    }
}
