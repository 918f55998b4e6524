package org.jpo.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.jpo.feedback.CodeVerifier;
import org.jpo.io.Jsonl;
import org.jpo.testing.Bubblewrap;
import org.jpo.testing.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** {@code jpo score --verifier code} on HumanEval-style rows {prompt, completion, test, entry_point}. */
class ScoreCommandCodeTest {
    @TempDir Path tmp;

    static String row(String completion, boolean withEntryPoint) {
        String test = "def check(candidate):\\n    assert candidate(3) == 9\\n";
        return "{\"prompt\": \"def square(x):\\n\", \"completion\": " + Jsonl.JSON.valueToTree(completion) + ", \"test\": \"" + test + "\""
                + (withEntryPoint ? ", \"entry_point\": \"square\"" : "") + "}\n";
    }

    @Test void rowsAreRunAndScoredInOrder() throws Exception {
        Bubblewrap.require();
        Path in = tmp.resolve("humaneval.jsonl"), out = tmp.resolve("scored.jsonl");
        Files.writeString(in, row("    return x * x\n", true) + row("    return x + x\n", true) + row("    return x * x\n", false)
                + row("    import time\n    time.sleep(60)\n", true));
        Cli.Result r = Cli.run("score", "--verifier", "code", "--timeout-seconds", "1", "--parallel", "2", "--input", in.toString(),
                "--out", out.toString());
        assertEquals(0, r.exit(), r.toString());
        List<JsonNode> rows = Jsonl.read(out).stream().map(l -> (JsonNode) l.json()).toList();
        assertEquals(List.of("1.0 passed", "0.0 failed: AssertionError", "null the row has no 'entry_point' field",
                "0.0 timed out after 1 s (wall clock)"), rows.stream().map(o -> o.get("score") + " " + o.get("details").textValue()).toList());
        assertEquals("square", rows.get(0).get("entry_point").textValue());
        assertTrue(r.err().contains("code: 4 rows, 3 scored (mean 0.3333), 1 missing"), r.err());
    }

    @Test void everyFlagReachesTheVerifier() {
        ScoreCommand c = new ScoreCommand();
        new CommandLine(c).parseArgs("--verifier", "code", "--input", "x.jsonl", "--timeout-seconds", "1.5", "--cpu-seconds", "2",
                "--memory-mb", "512", "--max-processes", "8", "--parallel", "3", "--python", "/usr/local/bin/python3");
        assertEquals(new CodeVerifier(1.5, 2, 512, 8, 3, "/usr/local/bin/python3"), c.verifier());
        ScoreCommand defaults = new ScoreCommand();
        new CommandLine(defaults).parseArgs("--verifier", "code", "--input", "x.jsonl");
        assertEquals(new CodeVerifier(), defaults.verifier());
    }

    @Test void flagMistakesAreOneLineErrors() throws Exception {
        Path in = Files.writeString(tmp.resolve("in.jsonl"), row("    return x * x\n", true));
        assertError(Cli.run("score", "--verifier", "code", "--timeout-seconds", "0", "--input", in.toString()),
                "error: --timeout-seconds: timeout_seconds must be a finite number > 0, got 0.0");
        assertError(Cli.run("score", "--verifier", "code", "--python", "python3", "--input", in.toString()),
                "error: --python: python must be an absolute path, got python3");
        assertError(Cli.run("score", "--verifier", "math", "--parallel", "2", "--input", in.toString()),
                "error: --parallel is set, but --verifier math does not read it");
    }

    private static void assertError(Cli.Result r, String firstLine) {
        assertEquals(2, r.exit(), r.toString());
        assertEquals(firstLine, r.err().lines().findFirst().orElse(""), r.toString());
    }
}
