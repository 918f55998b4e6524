package org.jpo.cli;

import org.bytedeco.pytorch.global.torch;
import org.jpo.testing.Cli;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** A command's --threads is its own: the next command in the same JVM (the tests run hundreds) starts with every core. */
class ThreadsTest {
    @Test void threadsAreRestoredAfterTheCommand() {
        int cores = Runtime.getRuntime().availableProcessors();
        Assumptions.assumeTrue(cores > 1, "one core: 1 thread is also the default");
        assertEquals(0, Cli.run("--threads", "1", "losses").exit());
        assertEquals(cores, torch.get_num_threads(), "--threads 1 outlived its command");
        assertTrue(Main.threadsGiven().isEmpty(), "the next command would think --threads was given");
    }
}
