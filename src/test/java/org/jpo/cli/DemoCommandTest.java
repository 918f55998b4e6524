package org.jpo.cli;

import org.jpo.testing.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Where the demos write: a second demo never reuses the first's directory. */
class DemoCommandTest {
    @TempDir Path tmp;

    @Test void theDefaultDirectoryMovesAsideAndAnExplicitOneMustBeNew() throws Exception {
        Path d = tmp.resolve("demo-seed0");
        assertEquals(d, DemoCommand.unused(d));
        Files.createDirectories(d);
        assertEquals(tmp.resolve("demo-seed0-2"), DemoCommand.unused(d));
        Files.createDirectories(tmp.resolve("demo-seed0-2"));
        assertEquals(tmp.resolve("demo-seed0-3"), DemoCommand.unused(d));
        Cli.Result r = Cli.run("demo", "--out", d.toString());
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains(d + " exists; the demo writes a fresh directory: remove it or choose another --out"), r.err());
    }
}
