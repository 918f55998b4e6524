package org.jpo.cli;

import org.jpo.testing.Cli;
import org.jpo.io.Jsonl;
import org.jpo.testing.Shared;
import org.jpo.testing.Tree;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Nothing lost, nothing silently wrong (issue 19): a command never replaces what exists without being told to, and bad
 * input is refused before any work with exit 2 and a message naming the file, line, flag or key.
 */
class NoDataLossTest {
    @TempDir Path tmp;

    private static void assertUserError(Cli.Result r, String... fragments) {
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().startsWith("error: "), r.toString());
        for (String f : fragments) assertTrue(r.err().contains(f), "missing '" + f + "' in\n" + r);
        assertFalse(r.err().contains("\tat ") || r.err().contains("frame #"), "stack trace printed:\n" + r);
    }

    private static Cli.Result generate(String... args) {
        String[] all = concat(new String[] {"generate", "--model", Shared.stories260K().toString(), "--tokenizer", Shared.tok512().toString()}, args);
        return Cli.run(all);
    }

    // ---- jpo convert

    @Test void convertWithOverwriteReplacesAndLeavesNoTemporaries() throws Exception {
        Path dir = tmp.resolve("hf");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("notes.txt"), "mine");
        Cli.Result r = Cli.run("convert", "--model", Shared.stories260K().toString(), "--tokenizer", Shared.tok512().toString(),
                "--out", dir.toString(), "--overwrite");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(Files.exists(dir.resolve("model.safetensors")));
        assertFalse(Files.exists(dir.resolve("notes.txt")));
        try (var s = Files.list(tmp)) {
            assertEquals(1, s.count(), "temporary siblings left behind");
        }
    }

    @Test void convertIntoAnEmptyDirectoryIsFine() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("empty"));
        assertEquals(0, convert(dir).exit());
        assertTrue(Files.exists(dir.resolve("config.json")));
    }

    private static Cli.Result convert(Path out) {
        return Cli.run("convert", "--model", Shared.stories260K().toString(), "--tokenizer", Shared.tok512().toString(), "--out", out.toString());
    }

    // ---- jpo generate

    @Test void generateOutReadOnlyFileIsRefusedEvenWithOverwrite() throws Exception {
        Path out = tmp.resolve("out.jsonl");
        Files.writeString(out, "old\n");
        try (ReadOnly r = ReadOnly.of(out)) {
            assertUserError(generate("--prompt", "", "--max-new-tokens", "2", "--out", out.toString(), "--overwrite"), "--out " + out, "not writable");
        }
        assertEquals("old\n", Files.readString(out));
    }

    @Test void generateOutWritesTheFileAndOverwriteReplacesIt() throws Exception {
        Path out = tmp.resolve("out.jsonl");
        assertEquals(0, generate("--prompt", "", "--max-new-tokens", "2", "--out", out.toString()).exit());
        assertEquals(1, Files.readAllLines(out).size());
        assertEquals(2, generate("--prompt", "", "--max-new-tokens", "2", "--n", "2", "--out", out.toString()).exit());
        assertEquals(1, Files.readAllLines(out).size());
        assertEquals(0, generate("--prompt", "", "--max-new-tokens", "2", "--n", "2", "--out", out.toString(), "--overwrite").exit());
        assertEquals(2, Files.readAllLines(out).size());
        try (var s = Files.list(tmp)) {
            assertEquals(List.of(out), s.toList(), "a temporary was left behind");
        }
    }

    /**
     * A file made read-only for the test's length: by its mode bits, or, as root (whom mode bits do not stop), by the
     * immutable attribute; skipped where neither holds.
     */
    private record ReadOnly(Path file, boolean immutable) implements AutoCloseable {
        static ReadOnly of(Path file) throws Exception {
            assertTrue(file.toFile().setWritable(false));
            if (Files.isWritable(file)) {
                Process p = new ProcessBuilder("chattr", "+i", file.toString()).redirectErrorStream(true).start();
                String said = new String(p.getInputStream().readAllBytes());
                org.junit.jupiter.api.Assumptions.assumeTrue(p.waitFor() == 0, "root, and chattr +i is not allowed here: " + said);
                return new ReadOnly(file, true);
            }
            return new ReadOnly(file, false);
        }

        @Override public void close() throws Exception {
            if (immutable) assertEquals(0, new ProcessBuilder("chattr", "-i", file.toString()).start().waitFor());
            assertTrue(file.toFile().setWritable(true));
        }
    }

    // ---- native errors

    @Test void nativeBacktraceIsCutUnlessVerbose() {
        var e = new RuntimeException("index out of range in self\nException raised from operator() at X.cpp:1 (most recent call first):\n"
                + "frame #0: c10::Error::Error + 0xac\nframe #1: <unknown function>");
        String s = Main.withoutNativeFrames(e);
        assertTrue(s.contains("index out of range in self"), s);
        assertFalse(s.contains("frame #"), s);
        assertEquals("java.lang.RuntimeException: plain", Main.withoutNativeFrames(new RuntimeException("plain")));
    }

    // ---- jpo train

    @Test void trainIntoAFinishedRunIsRefusedResumeCheckedOverwriteReplaces() throws Exception {
        Path out = tmp.resolve("run");
        Path config = trainConfig(out, 2);
        Cli.Result first = Cli.run("train", config.toString(), "--quiet");
        assertEquals(0, first.exit(), first.toString());
        byte[] weights = Files.readAllBytes(out.resolve("final/model.safetensors"));
        byte[] metrics = Files.readAllBytes(out.resolve("metrics.jsonl"));

        assertUserError(Cli.run("train", config.toString()), "output_dir " + out, "not empty", "--resume", "--overwrite");
        assertUserError(Cli.run("train", config.toString(), "--resume", "learning_rate=0.5"),
                "config.resolved.yaml", "learning_rate", "0.5", "max_steps");
        assertUserError(Cli.run("train", config.toString(), "--resume", "seed=1"), "seed: 1");
        assertUserError(Cli.run("train", config.toString(), "--resume", "--overwrite"), "--resume", "--overwrite");
        assertArrayEquals(weights, Files.readAllBytes(out.resolve("final/model.safetensors")));
        assertArrayEquals(metrics, Files.readAllBytes(out.resolve("metrics.jsonl")));

        Files.writeString(out.resolve("checkpoint-999"), "left by another run");
        Cli.Result again = Cli.run("train", config.toString(), "--overwrite", "--quiet");
        assertEquals(0, again.exit(), again.toString());
        assertFalse(Files.exists(out.resolve("checkpoint-999")), "--overwrite must empty output_dir first");
        assertTrue(Files.exists(out.resolve("final/model.safetensors")));
    }

    /** max_steps may change on resume, and a key added since the run was saved is no difference. */
    @Test void trainResumeMayExtendMaxSteps() throws Exception {
        Path out = tmp.resolve("run");
        Path config = trainConfig(out, 2);
        assertEquals(0, Cli.run("train", config.toString(), "--quiet").exit());
        // a run saved by a version before margin_weighting existed: the key takes its default, so it is no difference
        Path saved = out.resolve("config.resolved.yaml");
        String withoutKey = Files.readString(saved).replaceAll("(?m)^margin_weighting: false\n", "");
        assertNotEquals(Files.readString(saved), withoutKey);
        Files.writeString(saved, withoutKey);
        Cli.Result longer = Cli.run("train", config.toString(), "--resume", "max_steps=3", "--quiet");
        assertEquals(0, longer.exit(), longer.toString());
        assertEquals(3, Jsonl.JSON.readTree(longer.out()).get("steps").asInt());
        assertEquals(1, Jsonl.JSON.readTree(longer.out()).get("resumed_from_step").asInt(), "checkpoint-1 is the newest (save_steps 1)");
        assertTrue(Files.readString(out.resolve("config.resolved.yaml")).contains("max_steps: 3"));
    }

    /** A finished run resumed with the same config trains nothing and replaces nothing. */
    @Test void trainResumeOfAFinishedRunChangesNothing() throws Exception {
        Path out = tmp.resolve("run");
        Path config = trainConfig(out, 2);
        assertEquals(0, Cli.run("train", config.toString(), "--quiet").exit());
        var before = Tree.snapshot(out);
        Cli.Result again = Cli.run("train", config.toString(), "--resume");
        assertEquals(0, again.exit(), again.toString());
        assertTrue(again.err().contains("finished: all 2 steps are done in " + out.resolve("final")), again.toString());
        assertEquals(before, Tree.snapshot(out));
    }

    private Path trainConfig(Path out, int steps) throws IOException {
        Path data = tmp.resolve("pairs.jsonl");
        Files.writeString(data, "{\"prompt\": \"Once\", \"chosen\": \" a dog.\", \"rejected\": \" a cat.\"}\n".repeat(4));
        Path yaml = tmp.resolve("train.yaml");
        Files.writeString(yaml, "method: dpo\nmodel: " + Shared.stories260K() + "\ntokenizer: " + Shared.tok512() + "\ntrain_file: " + data
                + "\noutput_dir: " + out + "\nmax_steps: " + steps + "\nsave_steps: 1\nper_device_train_batch_size: 2\nmax_length: 32\n"
                + "max_prompt_length: 16\n");
        return yaml;
    }

    private static String[] concat(String[] a, String[] b) {
        String[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
