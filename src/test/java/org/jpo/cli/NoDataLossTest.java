package org.jpo.cli;

import org.jpo.testing.Cli;
import org.jpo.testing.Shared;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

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

    @Test void convertRefusesAnExistingDirectoryAndLeavesItAlone() throws Exception {
        Path dir = tmp.resolve("hf");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("notes.txt"), "mine");
        assertUserError(convert(dir), "--out " + dir, "not empty", "--overwrite");
        assertEquals("mine", Files.readString(dir.resolve("notes.txt")));
        assertFalse(Files.exists(dir.resolve("model.safetensors")));
    }

    @Test void convertRefusesAnExistingFile() throws Exception {
        Path file = tmp.resolve("model.bin");
        Files.writeString(file, "precious");
        assertUserError(convert(file), "--out " + file);
        assertEquals("precious", Files.readString(file));
    }

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

    @Test void generateOutIsADirectory() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("d"));
        assertUserError(generate("--prompt", "", "--max-new-tokens", "2", "--out", dir.toString()), "--out " + dir, "is a directory");
    }

    @Test void generateOutInAMissingDirectory() {
        Path out = tmp.resolve("no/such/dir/out.jsonl");
        assertUserError(generate("--prompt", "", "--max-new-tokens", "2", "--out", out.toString()), out.getParent().toString(), "does not exist");
    }

    @Test void generateOutReadOnlyFileIsRefusedAndKept() throws Exception {
        Path out = tmp.resolve("out.jsonl");
        Files.writeString(out, "old\n");
        assertTrue(out.toFile().setWritable(false));
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.isWritable(out), "running as root: every file is writable");
        assertUserError(generate("--prompt", "", "--max-new-tokens", "2", "--out", out.toString()), "--out " + out, "not writable");
        assertEquals("old\n", Files.readString(out));
    }

    @Test void generateOutWritesTheFileAndNoTemporary() throws Exception {
        Path out = tmp.resolve("out.jsonl");
        assertEquals(0, generate("--prompt", "", "--max-new-tokens", "2", "--out", out.toString()).exit());
        assertEquals(1, Files.readAllLines(out).size());
        assertFalse(Files.exists(tmp.resolve("out.jsonl.tmp")));
    }

    @Test void generateBatchSizeZero() {
        assertUserError(generate("--prompt", "", "--batch-size", "0"), "--batch-size", "0");
    }

    @Test void logprobsBatchSizeZeroAndOutDirectory() throws Exception {
        Path in = tmp.resolve("ids.jsonl");
        Files.writeString(in, "{\"prompt_ids\": [1], \"completion_ids\": [403]}\n");
        String m = Shared.stories260K().toString();
        assertUserError(Cli.run("logprobs", "--model", m, "--input", in.toString(), "--batch-size", "0"), "--batch-size", "0");
        assertUserError(Cli.run("logprobs", "--model", m, "--input", in.toString(), "--out", tmp.toString()), "--out " + tmp, "is a directory");
    }

    @Test void benchTrainBatchSizeZero() {
        assertUserError(Cli.run("bench", "train", "--no-pytorch", "--thread-counts", "1", "--dim", "64", "--layers", "1", "--vocab", "64",
                "--batch-size", "0"), "--batch-size", "batch_size must be >= 1, got 0");
    }

    @Test void scoreOutIsADirectoryBeforeScoring() throws Exception {
        Path in = tmp.resolve("c.jsonl");
        Files.writeString(in, "{\"prompt\": \"a\", \"completion\": \"b\"}\n");
        Path dir = Files.createDirectories(tmp.resolve("d"));
        assertUserError(Cli.run("score", "--input", in.toString(), "--verifier", "length", "--max", "5", "--out", dir.toString()),
                "--out " + dir, "is a directory");
    }

    @Test void inputIsADirectory() {
        assertUserError(generate("--prompts", tmp.toString()), tmp.toString(), "is a directory");
        assertUserError(Cli.run("logprobs", "--model", Shared.stories260K().toString(), "--input", tmp.toString()), tmp.toString(), "is a directory");
    }

    @Test void countBeyondIntIsOutOfRangeNamingTheFlag() {
        Cli.Result r = generate("--prompt", "", "--n", "100000000000000000000");
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("'--n'") && r.err().contains("out of range"), r.toString());
        Cli.Result word = generate("--prompt", "", "--n", "many");
        assertTrue(word.exit() == 2 && word.err().contains("not an integer"), word.toString());
    }

    @Test void maxNewTokensBeyondTheContextWindow() {
        assertUserError(generate("--prompt", "", "--max-new-tokens", "1000000000"), "--max-new-tokens 1000000000", "context window of 512");
    }

    @Test void outOfVocabularyPromptIdsNameFileLineAndId() throws Exception {
        Path prompts = tmp.resolve("p.jsonl");
        Files.writeString(prompts, "{\"prompt_ids\": [1, 2]}\n{\"prompt_ids\": [1, 999]}\n");
        assertUserError(generate("--prompts", prompts.toString()), prompts + ":2:", "999", "512");
        Files.writeString(prompts, "{\"prompt_ids\": [1, -1]}\n");
        assertUserError(generate("--prompts", prompts.toString()), prompts + ":1:", "-1");
    }

    @Test void tokenizerSmallerThanTheVocabularyIsRefused() throws Exception {
        Path small = tmp.resolve("tok511.bin");
        Files.write(small, firstTokens(Files.readAllBytes(Shared.tok512()), 511));
        Cli.Result r = Cli.run("generate", "--model", Shared.stories260K().toString(), "--tokenizer", small.toString(), "--prompt", "");
        assertUserError(r, small.toString(), "511 tokens", "vocabulary of 512");
    }

    /** A llama2.c tokenizer file cut after its first {@code n} tokens (int32 max length; per token float32, int32 length, bytes). */
    private static byte[] firstTokens(byte[] file, int n) {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        b.getInt();
        for (int i = 0; i < n; i++) {
            b.getFloat();
            int length = b.getInt();
            b.position(b.position() + length);
        }
        return Arrays.copyOf(file, b.position());
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

    @Test void yamlTabNamesItsLine() throws Exception {
        Path yaml = tmp.resolve("tab.yaml");
        Files.writeString(yaml, "method: dpo\nmodel: m.bin\n\ttrain_file: t.jsonl\n");
        assertUserError(Cli.run("train", yaml.toString()), yaml + ":3:", "TAB");
    }

    @Test void trainOutputDirIsAFile() throws Exception {
        Path file = tmp.resolve("out");
        Files.writeString(file, "precious");
        assertUserError(Cli.run("train", trainConfig(file, 1).toString()), "output_dir " + file, "not a directory");
        assertEquals("precious", Files.readString(file));
    }

    @Test void trainOutputDirUnderAFile() throws Exception {
        Path file = Files.writeString(tmp.resolve("afile"), "x");
        Path out = file.resolve("out");
        assertUserError(Cli.run("train", trainConfig(out, 1).toString()), "output_dir " + out, "not a directory");
    }

    @Test void trainOutputDirUnwritable() throws Exception {
        Path ro = Files.createDirectories(tmp.resolve("ro"));
        assertTrue(ro.toFile().setWritable(false));
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.isWritable(ro), "running as root: every directory is writable");
        Path out = ro.resolve("out");
        assertUserError(Cli.run("train", trainConfig(out, 1).toString()), "output_dir " + out, "not writable");
    }

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

    @Test void trainResumeMayExtendMaxSteps() throws Exception {
        Path out = tmp.resolve("run");
        Path config = trainConfig(out, 2);
        assertEquals(0, Cli.run("train", config.toString(), "--quiet").exit());
        Cli.Result longer = Cli.run("train", config.toString(), "--resume", "max_steps=3", "--quiet");
        assertEquals(0, longer.exit(), longer.toString());
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
