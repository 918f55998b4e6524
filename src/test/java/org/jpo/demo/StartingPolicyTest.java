package org.jpo.demo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class StartingPolicyTest {
    @TempDir Path tmp;

    /** A tiny model that never reaches its target: three checks, three training runs resumed from checkpoints. */
    private static final StartingPolicy.Settings TINY = new StartingPolicy.Settings(new AdditionTask(1, 8, 8, 64), 16, 1, 2, 32,
            3e-3, 8, 2, 6, 1.1);

    @Test void theSftShowsOneBarWithItsAccuracyNotARestartPerCheck() {
        PrintStream old = System.err;
        var err = new ByteArrayOutputStream();
        StartingPolicy.Prepared p;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            p = StartingPolicy.prepare(tmp, 0, TINY);
        } finally {
            System.setErr(old);
        }
        assertEquals(6, p.sftSteps());
        String printed = err.toString(StandardCharsets.UTF_8);
        // off a terminal a bar prints a line every 5 s and a last one; the tiny run takes less
        assertTrue(printed.matches("sft 6/6 steps \\(100%\\) [^\n]*, done, greedy accuracy \\d+\\.\\d% \\(stops at 110%\\)\n"), printed);
    }
}
