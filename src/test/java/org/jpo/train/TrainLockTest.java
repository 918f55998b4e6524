package org.jpo.train;

import org.jpo.io.DirLock;
import org.jpo.testing.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** {@code jpo train} refuses an output_dir another jpo holds, before writing to it; once released, it trains. */
class TrainLockTest {
    @TempDir Path tmp;

    @Test void anOutputDirInUseIsRefused() throws Exception {
        System.setProperty("jpo.cache.dir", tmp.resolve("cache").toString());
        Path out = tmp.resolve("out");
        Path config = TrainFixtures.config(tmp.resolve("c.yaml"), TrainFixtures.dogPairs(tmp.resolve("pairs.jsonl"), 8), out,
                "max_steps: 1\nper_device_train_batch_size: 2\n");
        try (DirLock held = DirLock.take(out)) {
            Cli.Result r = Cli.run("train", config.toString());
            assertEquals(2, r.exit(), r.toString());
            assertTrue(r.err().contains(out + " is in use by another jpo (pid " + ProcessHandle.current().pid() + ")"), r.err());
            assertFalse(Files.exists(out.resolve("config.resolved.yaml")), "the refused run wrote to output_dir");
        }
        Cli.Result r = Cli.run("train", config.toString());
        assertEquals(0, r.exit(), r.toString());
    }
}
