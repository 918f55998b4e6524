package org.jpo.feedback;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Which stderr line a failed program's verdict quotes. */
class SandboxStderrTest {
    @TempDir Path tmp;

    /** A fork bomb's copies share stderr: one killed mid-traceback left "check(spawn)" last and flaked CodeVerifierTest. */
    @Test void theLastExceptionLineNotAHalfWrittenTraceback() throws Exception {
        Path f = Files.writeString(tmp.resolve("err"), """
                Traceback (most recent call last):
                  File "program.py", line 9, in <module>
                    check(spawn)
                BlockingIOError: [Errno 11] Resource temporarily unavailable
                Traceback (most recent call last):
                  File "program.py", line 9, in <module>
                    check(spawn)
                """);
        assertEquals("BlockingIOError: [Errno 11] Resource temporarily unavailable", Sandbox.lastLine(f));
    }

    @Test void theLastLineWhenNoneIsAnException() throws Exception {
        assertEquals("bye", Sandbox.lastLine(Files.writeString(tmp.resolve("err"), "AssertionError is a word\nhello\nbye\n")));
        assertEquals("AssertionError", Sandbox.lastLine(Files.writeString(tmp.resolve("err2"), "x\nAssertionError\n")));
    }
}
