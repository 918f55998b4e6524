package org.jpo.cli;

import org.bytedeco.pytorch.global.torch;
import org.jpo.testing.Shared;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.*;

/** {@code jpo bench generate} end to end at tiny sizes, without the PyTorch part (no python in unit tests). */
class BenchGenerateTest {
    private static String run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, Main.run(args));
        } finally {
            System.setOut(old);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        old.print(text);
        return text;
    }

    @Test void runsOnTheRandomShapeAloneAndOnStories260K(@TempDir Path dir) throws IOException {
        Path run = Files.writeString(dir.resolve("run"), "#!/bin/sh\necho 'achieved tok/s: 1000.0' >&2\n");   // a fake run.c
        Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxr-xr-x"));
        String alone = run("bench", "generate", "--num-prompts", "2", "--n", "2", "--max-new-tokens", "4", "--batch-size", "3", "--no-pytorch",
                "--llama2c", run.toString(), "--seconds", "0");
        assertTrue(alone.contains("random-15M-shape") && alone.contains("round 2x2, 3 slots"), alone);
        int threads = torch.get_num_threads();
        assertTrue(alone.contains(String.format("llama2.c run.c single stream: %,d tok/s", 1000)) && alone.contains(
                String.format("llama2.c run.c, %d processes: %,d tok/s", threads, 1000 * threads)), alone);
        assertFalse(alone.contains("stories260K"), alone);
        String both = run("bench", "generate", "--model", Shared.stories260K().toString(), "--num-prompts", "2", "--n", "2",
                "--max-new-tokens", "4", "--no-pytorch", "--no-loop", "--seconds", "0");
        assertTrue(both.contains("stories260K") && both.contains("batch 32") && both.contains("random-15M-shape"), both);
        // the libtorch decoder's step creates tensors, the Vector API decoder's none
        assertTrue(both.lines().filter(l -> l.contains("batch 1 ")).allMatch(l -> l.matches(".* [1-9][0-9]* -> 0$")), both);
    }
}
