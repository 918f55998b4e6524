package org.jpo.feedback;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.config.ConfigError;
import org.jpo.io.Jsonl;
import org.jpo.testing.Bubblewrap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

/** HumanEval-style problems written here, with right, wrong and hostile completions. */
class CodeVerifierTest {
    /**
     * Small limits so that the hostile cases end fast: 1 s CPU, 256 MiB, 16 processes, 4 at once. The wall clock (20 s)
     * is far, so that a case ended by another limit cannot be mistaken for a timeout.
     */
    static final CodeVerifier SMALL = new CodeVerifier(20, 1, 256, 16, 4, "/usr/bin/python3");

    static final ScoreInput ADD = problem("""
            def add(a: int, b: int) -> int:
                \"\"\"Return the sum of a and b.
                >>> add(2, 3)
                5
                \"\"\"
            """, """
            def check(candidate):
                assert candidate(2, 3) == 5
                assert candidate(-1, 1) == 0
            """, "add");

    @BeforeEach void needsBubblewrap() { Bubblewrap.require(); }

    static ScoreInput problem(String prompt, String test, String entryPoint) {
        ObjectNode row = Jsonl.JSON.createObjectNode().put("prompt", prompt).put("test", test).put("entry_point", entryPoint);
        return new ScoreInput(prompt, row);
    }

    static Score verify(CodeVerifier v, ScoreInput in, String completion) { return v.verify("0", in, completion); }

    @Test void aCorrectSolutionPassesAndAWrongOneNamesTheAssertion() {
        assertEquals(new Score("0", "code", 1.0, "passed"), verify(SMALL, ADD, "    return a + b\n"));
        assertEquals(new Score("0", "code", 0.0, "failed: AssertionError"), verify(SMALL, ADD, "    return a - b\n"));
        ScoreInput withMessage = problem("def sign(x):\n", """
                def check(candidate):
                    assert candidate(-3) == -1, f"sign(-3) gave {candidate(-3)}"
                """, "sign");
        assertEquals("failed: AssertionError: sign(-3) gave 1", verify(SMALL, withMessage, "    return 1\n").details());
    }

    @Test void theProgramIsPromptCompletionTestAndCheck() {
        assertEquals(ADD.prompt() + "    return a + b\n" + "\n" + ADD.row().get("test").textValue() + "\ncheck(add)\n",
                CodeVerifier.program(ADD, "    return a + b\n"));
    }

    @Test void aSyntaxErrorFails() {
        assertEquals(new Score("0", "code", 0.0, "failed: SyntaxError: invalid syntax"), verify(SMALL, ADD, "    return a +\n"));
    }

    @Test void itRunsAsANonRootUser() {
        ScoreInput uid = problem("import os\ndef uid():\n", "def check(candidate):\n    assert candidate() != 0, candidate()\n", "uid");
        assertEquals("passed", verify(SMALL, uid, "    print(os.getuid())\n    return os.getuid()\n").details());
    }

    /** Each program at once has its own uid, so one fork bomb's processes do not count against the others'. */
    @Test void forkBombsFailFastAndDoNotHurtTheProgramsBesideThem() {
        ScoreInput spawns = problem("import subprocess\ndef spawn():\n",
                "def check(candidate):\n    assert candidate() == 0\n", "spawn");
        String bomb = "    import os\n    while True:\n        os.fork()\n";
        String fine = "    import time\n    time.sleep(0.2)\n    return sum(subprocess.run(['/bin/true']).returncode for _ in range(5))\n";
        List<String> completions = IntStream.range(0, 8).mapToObj(i -> i % 2 == 0 ? bomb : fine).toList();
        long start = System.nanoTime();
        List<Score> scores = SMALL.score(spawns, completions);
        double seconds = (System.nanoTime() - start) / 1e9;
        for (int i = 0; i < 8; i++) {
            String expected = i % 2 == 0 ? "failed: BlockingIOError: [Errno 11] Resource temporarily unavailable" : "passed";
            assertEquals(expected, scores.get(i).details(), "completion " + i);
        }
        assertTrue(seconds < 5, seconds + " s: a fork bomb should fail at its first refused fork");   // a bomb alone: 0.12 s; this case 1.8 s at load 12
    }

    @Test @Timeout(30) void anEndlessLoopEndsAtTheCpuLimitAndASleepAtTheWallClock() {
        long start = System.nanoTime();
        assertEquals(new Score("0", "code", 0.0, "CPU time limit (1 s)"), verify(SMALL, ADD, "    while True:\n        pass\n"));
        double cpu = (System.nanoTime() - start) / 1e9;
        CodeVerifier quick = new CodeVerifier(1, 1, 256, 16, 4, "/usr/bin/python3");
        start = System.nanoTime();
        assertEquals(new Score("0", "code", 0.0, "timed out after 1 s (wall clock)"),
                verify(quick, ADD, "    import time\n    time.sleep(100)\n"));
        double wall = (System.nanoTime() - start) / 1e9;
        assertTrue(cpu >= 1 && cpu < 5, "CPU limit case took " + cpu + " s");   // 1.0 s idle, 3.2 s seen at load 12
        assertTrue(wall >= 1 && wall < 2.5, "wall clock case took " + wall + " s");
    }

    @Test void aTenGigabyteAllocationFails() {
        assertEquals(new Score("0", "code", 0.0, "failed: MemoryError"),
                verify(new CodeVerifier(), ADD, "    x = bytearray(10 * 1024**3)\n    return a + b\n"));
    }

    /**
     * 16 programs, 4 at a time, each sleeping 0.5 s: exactly 4 of their pythons are seen running at once (sampled from
     * the process table; timing alone cannot tell, a loaded machine makes 16 at once as slow), and at least 4 rounds
     * of 0.5 s pass.
     */
    @Test void manyProgramsRunInParallelUnderTheBoundAndComeBackInOrder() throws Exception {
        ScoreInput numbered = problem("import time\ndef number():\n",
                "def check(candidate):\n    n = candidate()\n    assert n % 3 != 0, f\"got {n}\"\n", "number");
        List<String> completions = IntStream.range(0, 16).mapToObj(i -> "    time.sleep(0.5)\n    return " + i + "\n").toList();
        AtomicInteger most = new AtomicInteger();
        AtomicBoolean done = new AtomicBoolean();
        Thread sampler = new Thread(() -> {
            while (!done.get()) {
                most.accumulateAndGet(runningPrograms(), Math::max);
                try { Thread.sleep(10); } catch (InterruptedException e) { return; }
            }
        });
        sampler.start();
        long start = System.nanoTime();
        List<Score> scores;
        try {
            scores = SMALL.score(numbered, completions);
        } finally {
            done.set(true);
            sampler.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        for (int i = 0; i < 16; i++) {
            Score expected = i % 3 == 0 ? new Score(String.valueOf(i), "code", 0.0, "failed: AssertionError: got " + i)
                    : new Score(String.valueOf(i), "code", 1.0, "passed");
            assertEquals(expected, scores.get(i));
        }
        assertEquals(4, most.get(), "most programs seen running at once");
        assertTrue(seconds >= 2.0, seconds + " s for 16 programs of 0.5 s, 4 at a time");
    }

    /** This JVM's sandboxed pythons now running. */
    private static int runningPrograms() {
        try (var d = ProcessHandle.current().descendants()) {
            // the command is the resolved executable, e.g. /usr/bin/python3.11
            return (int) d.filter(p -> p.info().commandLine().orElse("").matches("/usr/bin/python3[.0-9]* program\\.py")).count();
        }
    }

    @Test void aRowWithoutTestOrEntryPointIsMissingWithTheReason() {
        ObjectNode noEntry = ADD.row().deepCopy();
        noEntry.remove("entry_point");
        assertEquals(Score.missing("0", "code", "the row has no 'entry_point' field"),
                verify(SMALL, new ScoreInput(ADD.prompt(), noEntry), "    return a + b\n"));
        ObjectNode noTest = ADD.row().deepCopy();
        noTest.putNull("test");
        assertEquals(Score.missing("0", "code", "the row has no 'test' field"),
                verify(SMALL, new ScoreInput(ADD.prompt(), noTest), "    return a + b\n"));
        ObjectNode numeric = ((ObjectNode) ADD.row().deepCopy()).put("entry_point", 3);
        assertEquals(Score.missing("0", "code", "'entry_point' must be text, got number"),
                verify(SMALL, new ScoreInput(ADD.prompt(), numeric), "    return a + b\n"));
        assertEquals(List.of("test", "entry_point"), SMALL.rowFields());
    }

    /** Rows with their own prompts (jpo score) also run in parallel, in order. */
    @Test void verifyEachScoresPairsInOrder() {
        List<ScoreInput> inputs = new ArrayList<>(Collections.nCopies(3, ADD));
        List<String> completions = List.of("    return a + b\n", "    return b - a\n", "    return a * b\n");
        assertEquals(List.of("0 1.0", "1 0.0", "2 0.0"),
                SMALL.verifyEach(inputs, completions).stream().map(s -> s.completionRef() + " " + s.value()).toList());
    }

    @Test void badSettingsNameTheirKey() {
        assertEquals("timeout_seconds", key(() -> new CodeVerifier(0, 5, 1024, 32, 0, "/usr/bin/python3")));
        assertEquals("cpu_seconds", key(() -> new CodeVerifier(10, 0, 1024, 32, 0, "/usr/bin/python3")));
        assertEquals("memory_mb", key(() -> new CodeVerifier(10, 5, 16, 32, 0, "/usr/bin/python3")));
        assertEquals("max_processes", key(() -> new CodeVerifier(10, 5, 1024, 2, 0, "/usr/bin/python3")));
        assertEquals("parallel", key(() -> new CodeVerifier(10, 5, 1024, 32, -1, "/usr/bin/python3")));
        assertEquals("parallel", key(() -> new CodeVerifier(10, 5, 1024, 32, 257, "/usr/bin/python3")));
        assertEquals("python", key(() -> new CodeVerifier(10, 5, 1024, 32, 0, "python3")));
        assertEquals(Runtime.getRuntime().availableProcessors(), new CodeVerifier().threads());
        assertEquals(4, SMALL.threads());
        assertEquals(new Sandbox.Limits(20, 1, 256, 16), SMALL.limits());
    }

    private static String key(org.junit.jupiter.api.function.Executable e) { return assertThrows(ConfigError.class, e).key(); }
}
