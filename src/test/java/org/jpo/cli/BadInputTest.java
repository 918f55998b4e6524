package org.jpo.cli;

import org.jpo.testing.Cli;
import org.jpo.testing.Shared;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Bad input ends with one clear line naming the file (and line), exit code 2, and no stack trace. */
class BadInputTest {
    @TempDir Path tmp;

    private static void assertUserError(Cli.Result r, String... fragments) {
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().startsWith("error: "), r.toString());
        for (String f : fragments) assertTrue(r.err().contains(f), "missing '" + f + "' in\n" + r);
        assertFalse(r.err().contains("\tat "), "stack trace printed:\n" + r);
    }

    private String[] model() { return new String[] {"--model", Shared.stories260K().toString(), "--tokenizer", Shared.tok512().toString()}; }

    private Cli.Result logprobs(Path input) {
        String[] m = model();
        return Cli.run("logprobs", m[0], m[1], m[2], m[3], "--input", input.toString());
    }

    @Test void invalidJsonLineIsNamedByFileAndLine() throws Exception {
        Path in = tmp.resolve("in.jsonl");
        Files.writeString(in, "{\"prompt_ids\": [1], \"completion_ids\": [403]}\n\n{\"prompt_ids\": [1], \"completion_ids\": [403\n");
        assertUserError(logprobs(in), in + ":3: invalid JSON");
    }

    @Test void nonUtf8LineIsNamedByFileAndLine() throws Exception {
        Path in = tmp.resolve("latin1.jsonl");
        byte[] good = "{\"prompt\": \"a\", \"completion\": \"b\"}\n".getBytes();
        byte[] bad = {'{', '"', 'p', 'r', 'o', 'm', 'p', 't', '"', ':', ' ', '"', (byte) 0xE9, '"', '}', '\n'};
        Files.write(in, concat(good, bad));
        assertUserError(logprobs(in), in + ":2: not valid UTF-8");
    }

    @Test void rowWithoutTheExpectedFieldsSaysWhatWasExpected() throws Exception {
        Path in = tmp.resolve("fields.jsonl");
        Files.writeString(in, "{\"text\": \"hello\"}\n");
        assertUserError(logprobs(in), in + ":1:", "prompt", "completion_ids");
    }

    @Test void sequenceLongerThanTheContextWindowIsRejected() throws Exception {
        Path in = tmp.resolve("long.jsonl");
        Files.writeString(in, "{\"prompt_ids\": [1], \"completion_ids\": [" + "403,".repeat(600) + "403]}\n");
        assertUserError(logprobs(in), in + ":1:", "context window of 512");
        Path prompts = tmp.resolve("prompts.jsonl");
        Files.writeString(prompts, "{\"prompt\": \"short\"}\n{\"prompt\": \"" + "Once upon a time ".repeat(200) + "\"}\n");
        String[] m = model();
        assertUserError(Cli.run("generate", m[0], m[1], m[2], m[3], "--prompts", prompts.toString()), prompts + ":2:", "context window is 512");
    }

    @Test void tokenIdOutsideTheVocabularyIsRejected() throws Exception {
        Path in = tmp.resolve("ids.jsonl");
        Files.writeString(in, "{\"prompt_ids\": [1], \"completion_ids\": [403, 512]}\n");
        assertUserError(logprobs(in), in + ":1:", "token id 512");
    }

    @Test void truncatedWeightsFileIsNamed() throws Exception {
        byte[] all = Files.readAllBytes(Shared.stories260K());
        Path cut = tmp.resolve("cut.bin");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length - 1000));
        Cli.Result r = Cli.run("generate", "--model", cut.toString(), "--tokenizer", Shared.tok512().toString(), "--prompt", "");
        assertUserError(r, cut.toString(), "truncated");
    }

    @Test void corruptSafetensorsIsNamed() throws Exception {
        Path dir = tmp.resolve("hf");
        assertEquals(0, Cli.run("convert", model()[0], model()[1], model()[2], model()[3], "--out", dir.toString()).exit());
        Path st = dir.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(st);
        Files.write(st, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertUserError(Cli.run("generate", "--model", dir.toString(), "--prompt", ""), st.toString());
    }

    @Test void modelWithoutTokenizerLoadsButTextCommandsSaySo() throws Exception {
        Path in = tmp.resolve("ids.jsonl");
        Files.writeString(in, "{\"prompt_ids\": [1], \"completion_ids\": [403]}\n");
        Cli.Result ids = Cli.run("logprobs", "--model", Shared.stories260K().toString(), "--input", in.toString());
        assertEquals(0, ids.exit(), ids.toString());   // token ids need no tokenizer
        Cli.Result text = Cli.run("generate", "--model", Shared.stories260K().toString(), "--prompt", "Once");
        assertUserError(text, Shared.stories260K().toString(), "--tokenizer");
    }

    @Test void badSamplingParameterIsAUsageError() {
        String[] m = model();
        assertUserError(Cli.run("generate", m[0], m[1], m[2], m[3], "--prompt", "", "--top-p", "1.5"), "top_p");
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
