package org.jpo.loop;

import org.jpo.io.DirLock;
import org.jpo.testing.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** One {@code jpo run} per run directory: a second is refused while the first lives, and a SIGKILLed one leaves no lock. */
class OneWriterTest {
    @TempDir Path tmp;

    @Test void aSecondRunIsRefusedWhileTheFirstLivesAndAKilledOneLeavesNoLock() throws Exception {
        Path config = LoopFixtures.storiesConfig(tmp);
        Path out = tmp.resolve("out"), lock = out.resolve(DirLock.FILE);
        Process first = LoopResumeTest.jpo(config, out, false, "rounds=50");   // long enough to be alive throughout
        try {
            LoopResumeTest.waitFor(first, () -> Files.exists(lock) && Files.size(lock) > 0 && Files.exists(out.resolve("config.resolved.yaml")));
            Cli.Result second = Cli.run("run", config.toString(), "output_dir=" + out, "rounds=50", "--resume");
            assertEquals(2, second.exit(), second.toString());
            assertTrue(second.err().contains(out + " is in use by another jpo (pid " + first.pid() + ")"), second.err());
            assertTrue(first.isAlive(), "the first run ended before the second was refused; see " + tmp.resolve("out.log"));
        } finally {
            first.destroyForcibly().waitFor();   // SIGKILL on Linux
        }
        assertEquals(137, first.exitValue(), "the first run was not killed by SIGKILL");
        Cli.Result third = Cli.run("run", config.toString(), "output_dir=" + out, "rounds=1", "--resume");
        assertEquals(0, third.exit(), third.toString());
        assertEquals(2, Files.readAllLines(out.resolve("rounds.jsonl")).size(), "rounds 0 and 1, once each");
    }
}
