package org.jpo.loop;

import org.jpo.io.RunDir;
import org.jpo.testing.Cli;
import org.jpo.testing.Tree;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** {@code --resume} refuses, before writing anything, to build on an input or a finished checkpoint that changed. */
class ResumeVerifiesTest {
    @TempDir Path tmp;

    @Test void anEditedPromptsFileIsRefused() throws Exception {
        Path config = finishedOneRound();
        Path prompts = tmp.resolve("prompts.jsonl");
        String before = RunDir.sha256(prompts);
        Files.writeString(prompts, "{\"prompt\": \"Once upon a time, Zed wanted to\"}\n", StandardOpenOption.APPEND);
        String after = RunDir.sha256(prompts);

        Map<String, String> files = files();
        Cli.Result r = Cli.run("run", config.toString(), "rounds=2", "--resume");
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("prompts.jsonl changed since the run started (sha256 " + before + " recorded in "), r.err());
        assertTrue(r.err().contains("round-001/manifest.json, now " + after + ")"), r.err());
        assertEquals(files, files(), "the refused resume wrote to the run directory");
    }

    @Test void aFlippedByteInTheLastCheckpointIsRefused() throws Exception {
        Path config = finishedOneRound();
        Path weights = tmp.resolve("out/round-001/checkpoint/model.safetensors");
        byte[] b = Files.readAllBytes(weights);
        b[b.length - 1] ^= 1;
        Files.write(weights, b);

        Map<String, String> files = files();
        Cli.Result r = Cli.run("run", config.toString(), "rounds=2", "--resume");
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("round-001/checkpoint changed since the run started"), r.err());
        assertEquals(files, files(), "the refused resume wrote to the run directory");
    }

    private Path finishedOneRound() throws IOException {
        Path config = LoopFixtures.storiesConfig(tmp);
        Cli.Result r = Cli.run("run", config.toString(), "rounds=1");
        assertEquals(0, r.exit(), r.toString());
        return config;
    }

    /** Every file of the run directory (but the lock, which holds the last holder's pid) with its sha256. */
    private Map<String, String> files() { return Tree.snapshot(tmp.resolve("out")); }
}
