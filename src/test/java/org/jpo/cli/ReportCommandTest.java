package org.jpo.cli;

import org.jpo.eval.FakeRun;
import org.jpo.testing.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class ReportCommandTest {
    @TempDir Path dir;

    @Test void writesTheReportOfARunDirectory() throws Exception {
        FakeRun.write(dir, 2);
        Cli.Result r = Cli.run("report", dir.toString());
        assertEquals(0, r.exit(), r.toString());
        assertTrue(Files.readString(dir.resolve("report.html")).contains("2 rounds finished"));
        assertEquals("wrote " + dir.resolve("report.html"), r.err().strip());
    }

    @Test void aDirectoryWithoutRoundsJsonlIsAUserError() {
        Cli.Result r = Cli.run("report", dir.toString());
        assertEquals(2, r.exit(), r.toString());
        assertEquals("error: RUN_DIR " + dir + ": no rounds.jsonl (not a jpo run directory)", r.err().strip());
        assertFalse(Files.exists(dir.resolve("report.html")));
    }

    @Test void aMissingDirectoryIsAUserError() {
        Cli.Result r = Cli.run("report", dir.resolve("nope").toString());
        assertEquals(2, r.exit(), r.toString());
        assertEquals("error: RUN_DIR " + dir.resolve("nope") + ": not a directory", r.err().strip());
    }
}
