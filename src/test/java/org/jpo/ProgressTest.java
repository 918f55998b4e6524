package org.jpo;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private final AtomicLong now = new AtomicLong();

    private String printed() { return bytes.toString(StandardCharsets.UTF_8); }

    private void at(double seconds) { now.set((long) (seconds * 1e9)); }

    @Test void offATerminalPrintsOneLinePerIntervalAndALastLine() {
        Progress p = new Progress("train", "steps", 10, 0, false, out, now::get, Duration.ofSeconds(5));
        at(1); p.update(1, "loss 0.9");          // too soon
        at(5); p.update(2, "loss 0.8");          // 2 steps in 5 s: 8 left at 0.4/s
        at(6); p.update(3, "loss 0.7");          // too soon after the last line
        at(12); p.update(6, "loss 0.5");         // 6 in 12 s: 4 left at 0.5/s
        at(20); p.update(10, "loss 0.1");
        p.close();
        assertEquals(List.of(
                "train 2/10 steps (20%) 0:00:05, 0.40 steps/s, ETA 0:00:20, loss 0.8",
                "train 6/10 steps (60%) 0:00:12, 0.50 steps/s, ETA 0:00:08, loss 0.5",
                "train 10/10 steps (100%) 0:00:20, 0.50 steps/s, done, loss 0.1"), printed().lines().toList());
        assertTrue(printed().indexOf('\r') < 0, "no redraws off a terminal: " + printed());
    }

    @Test void aResumedRunTimesOnlyTheStepsItDid() {
        Progress p = new Progress("train", "steps", 100, 40, false, out, now::get, Duration.ofSeconds(5));
        at(10); p.update(50, "");                // 10 steps in 10 s: 50 left at 1/s
        assertEquals("train 50/100 steps (50%) 0:00:10, 1.00 steps/s, ETA 0:00:50\n", printed());
    }

    @Test void onATerminalTheLibraryRedrawsABar() {
        Progress p = new Progress("train", "steps", 10, 0, true, out, now::get, Duration.ofSeconds(5));
        p.update(5, "loss 0.5");
        p.close();
        String s = printed();
        assertTrue(s.startsWith("\r"), s);
        assertTrue(s.matches("(?s).*\\rtrain  50% \\[=+>? *] +5/10 steps \\(\\d:\\d\\d:\\d\\d / \\d:\\d\\d:\\d\\d\\) \\S+ steps/s loss 0\\.5\n"), s.replace("\r", "\\r").replace("\n", "\\n"));
        assertEquals(1, s.chars().filter(c -> c == '\n').count(), "one line, redrawn in place: " + s);
    }
}
