package org.jpo.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.jpo.io.Jsonl;
import org.jpo.model.Checkpoints;
import org.jpo.model.Transformer;
import org.jpo.testing.Cli;
import org.jpo.testing.Shared;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.jpo.tensor.Tensors.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The golden values of the real stories260K model (shared/models/stories260K/README.md), through the CLI,
 * from the llama2.c files and again from the HF directory {@code jpo convert} writes.
 */
class Stories260KTest {
    static final int[] GOLDEN = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396,
            267, 337, 410, 408, 419, 292, 411, 322, 265, 282, 295, 433, 426, 385, 328, 432, 358, 394, 261, 370, 432, 352, 266,
            268, 388, 426, 338, 391, 266, 267, 337, 335, 312, 432, 398, 312, 286, 267, 414, 270, 333, 415, 426, 13, 438, 310};
    static final double GOLDEN_NLL = 0.397289;

    @TempDir static Path tmp;
    static Path bin, tok, hfDir;

    @BeforeAll static void convert() {
        bin = Shared.stories260K();
        tok = Shared.tok512();
        hfDir = tmp.resolve("stories260K-hf");
        Cli.Result r = Cli.run("convert", "--model", bin.toString(), "--tokenizer", tok.toString(), "--out", hfDir.toString());
        assertEquals(0, r.exit(), r.toString());
        assertTrue(Files.isRegularFile(hfDir.resolve("config.json")));
        assertTrue(Files.isRegularFile(hfDir.resolve("model.safetensors")));
        assertTrue(Files.isRegularFile(hfDir.resolve("tokenizer.bin")));
    }

    /** --model and --tokenizer for the llama2.c files, or just --model for the converted directory. */
    static List<String[]> models() {
        return List.of(new String[] {"--model", bin.toString(), "--tokenizer", tok.toString()}, new String[] {"--model", hfDir.toString()});
    }

    /** command, then the model options, then the rest. */
    static String[] args(String[] model, String command, String... rest) {
        List<String> all = new java.util.ArrayList<>(List.of(command));
        all.addAll(List.of(model));
        all.addAll(List.of(rest));
        return all.toArray(String[]::new);
    }

    @Test void tokenizesOnceUponATime() {
        for (String[] m : models()) {
            Cli.Result r = Cli.run(args(m, "tokenize", "--text", "Once upon a time"));
            assertEquals(0, r.exit(), r.toString());
            assertEquals("{\"ids\":[403,407,261,378]}", r.out().strip());
        }
    }

    @Test void greedyFromBosReproducesTheGoldenIds() throws Exception {
        int[] expected = Arrays.copyOfRange(GOLDEN, 1, GOLDEN.length);
        for (String[] m : models()) {
            Path out = tmp.resolve("greedy-" + m.length + ".jsonl");
            Cli.Result r = Cli.run(args(m, "generate", "--prompt", "", "--greedy", "--max-new-tokens", "64", "--out", out.toString()));
            assertEquals(0, r.exit(), r.toString());
            JsonNode row = Jsonl.read(out).get(0).json();
            int[] ids = new int[row.get("completion_ids").size()];
            for (int i = 0; i < ids.length; i++) ids[i] = row.get("completion_ids").get(i).intValue();
            assertArrayEquals(expected, ids);
            assertEquals("length", row.get("finish_reason").textValue());
            assertTrue(row.get("completion").textValue().startsWith("Once upon a time, there was a little girl named Lily."),
                    row.get("completion").textValue());
        }
    }

    @Test void teacherForcedNllMatchesTheGoldenValue() throws Exception {
        Path in = tmp.resolve("golden.jsonl");
        StringBuilder completion = new StringBuilder();
        for (int i = 1; i < GOLDEN.length; i++) completion.append(i > 1 ? "," : "").append(GOLDEN[i]);
        Files.writeString(in, "{\"prompt_ids\": [1], \"completion_ids\": [" + completion + "]}\n");
        for (String[] m : models()) {
            Path out = tmp.resolve("nll-" + m.length + ".jsonl");
            Cli.Result r = Cli.run(args(m, "logprobs", "--input", in.toString(), "--out", out.toString()));
            assertEquals(0, r.exit(), r.toString());
            JsonNode row = Jsonl.read(out).get(0).json();
            assertEquals(64, row.get("num_tokens").intValue());
            assertEquals(64, row.get("token_logps").size());
            assertEquals(GOLDEN_NLL, -row.get("logp").doubleValue() / 64, 1e-4);
        }
    }

    @Test void scoringAGeneratedCompletionByTextEqualsScoringItByIds() throws Exception {
        String[] m = models().get(0);
        Path gen = tmp.resolve("gen.jsonl");
        assertEquals(0, Cli.run(args(m, "generate", "--prompt", "Once upon a time", "--greedy", "--max-new-tokens", "24", "--out", gen.toString())).exit());
        JsonNode g = Jsonl.read(gen).get(0).json();
        String promptIds = Cli.run(args(m, "tokenize", "--text", "Once upon a time", "--special")).out().replaceAll("[^0-9,]", "");
        Path in = tmp.resolve("both.jsonl");
        Files.writeString(in, "{\"prompt\": \"Once upon a time\", \"completion\": " + Jsonl.JSON.writeValueAsString(g.get("completion").textValue()) + "}\n"
                + "{\"prompt_ids\": [" + promptIds + "], \"completion_ids\": " + g.get("completion_ids") + "}\n");
        Path out = tmp.resolve("both-out.jsonl");
        assertEquals(0, Cli.run(args(m, "logprobs", "--input", in.toString(), "--out", out.toString())).exit());
        List<Jsonl.Line> rows = Jsonl.read(out);
        assertEquals(rows.get(1).json().get("num_tokens").intValue(), rows.get(0).json().get("num_tokens").intValue());
        // the same ids in two rows of one batch: float32 GEMM blocking can differ by row (6e-6 measured on a 24-token sum)
        assertEquals(rows.get(1).json().get("logp").doubleValue(), rows.get(0).json().get("logp").doubleValue(), 1e-5);
        assertEquals(g.get("logp").doubleValue(), rows.get(1).json().get("logp").doubleValue(), 1e-3);
    }

    @Test void logitsAfterBosMatchTheReference() {
        double[] golden = {-6.22291, 8.40434, -6.22374, -6.22254, -6.22195};
        for (Path model : List.of(bin, hfDir)) {
            try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard(); Transformer m = Checkpoints.load(model)) {
                Tensor logits = m.logits(m.hidden(longs(new long[] {1}, 1, 1))).select(1, 0).select(0, 0);   // [V]
                double[] l = toDoubles(logits.narrow(0, 0, 5));
                for (int i = 0; i < 5; i++) assertEquals(golden[i], l[i], 1e-4, model + " logit " + i);
                assertEquals(403, toLongs(logits.argmax())[0]);
            }
        }
    }

    @Test void convertedDirectoryReloadsBitIdentically() {
        Path again = tmp.resolve("again");
        assertEquals(0, Cli.run("convert", "--model", hfDir.toString(), "--out", again.toString()).exit());
        try (PointerScope scope = new PointerScope(); Transformer a = Checkpoints.load(hfDir); Transformer b = Checkpoints.load(again)) {
            assertEquals(a.parameters().keySet(), b.parameters().keySet());
            for (String name : a.parameters().keySet()) {
                assertTrue(a.parameters().get(name).equal(b.parameters().get(name)), name);
            }
        }
    }
}
