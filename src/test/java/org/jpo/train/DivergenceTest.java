package org.jpo.train;

import org.jpo.testing.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** A NaN/Inf loss stops the run with the step and batch named; the checkpoints already written stay. */
class DivergenceTest {
    @TempDir Path tmp;

    @Test void nonFiniteLossStopsAndNamesStepAndBatch() throws Exception {
        System.setProperty("jpo.cache.dir", tmp.resolve("cache").toString());
        try {
            Path data = TrainFixtures.dogPairs(tmp.resolve("pairs.jsonl"), 16);
            Path out = tmp.resolve("out");
            // an absurd learning rate with a tiny clip norm disabled: the weights blow up within a few steps
            Path cfg = TrainFixtures.config(tmp.resolve("c.yaml"), data, out, "learning_rate: 1.0e+20\nmax_grad_norm: 0.0\n"
                    + "max_steps: 20\nper_device_train_batch_size: 4\nsave_steps: 1\nlogging_steps: 1\nlr_scheduler_type: constant\n");
            Cli.Result r = Cli.run("train", cfg.toString());
            assertEquals(2, r.exit(), r.toString());
            assertTrue(r.err().matches("(?s).*error: loss is (NaN|Infinity|-Infinity) at step \\d+, micro-batch 1 \\(examples \\[.*pairs.jsonl:\\d+.*"), r.err());
            assertTrue(r.err().contains("Last good checkpoint: " + out.resolve("checkpoint-")), r.err());
            assertFalse(Files.exists(out.resolve("final")));
            String step = r.err().replaceAll("(?s).*at step (\\d+),.*", "$1");
            assertTrue(Files.isDirectory(out.resolve("checkpoint-" + (Integer.parseInt(step) - 1))), "checkpoint before the bad step is kept");
        } finally {
            System.clearProperty("jpo.cache.dir");
        }
    }
}
