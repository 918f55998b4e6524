package org.jpo.train;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.jpo.data.DataOptions;
import org.jpo.data.Datasets;
import org.jpo.data.PairExample;
import org.jpo.io.Jsonl;
import org.jpo.model.Checkpoints;
import org.jpo.model.Lora;
import org.jpo.model.LoraConfig;
import org.jpo.model.Transformer;
import org.jpo.testing.Cli;
import org.jpo.testing.Shared;
import org.jpo.tokenizer.Tokenizer;
import org.jpo.tokenizer.Tokenizers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.jpo.tensor.Tensors.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code jpo train} with LoRA on stories260K: only the adapters train and are saved (PEFT layout), a resumed run
 * continues exactly (adapters, optimizer moments, dropout stream, and the reference computed with adapters off),
 * and {@code jpo convert --merge-lora} gives a full model with the adapted log-probs.
 */
class LoraTrainingTest {
    @TempDir Path tmp;

    static final String LORA = "lora_r: 4\nlora_alpha: 8\nlora_dropout: 0.1\nlora_target_modules: all-linear\n";

    @AfterEach void clear() { System.clearProperty("jpo.cache.dir"); }

    @Test void resumedLoraRunEqualsUninterruptedAndMergesToTheSameLogProbs() throws Exception {
        System.setProperty("jpo.cache.dir", tmp.resolve("cache").toString());
        Path data = TrainFixtures.dogPairs(tmp.resolve("pairs.jsonl"), 24);
        String settings = "learning_rate: 0.005\nmax_steps: 12\nper_device_train_batch_size: 4\ngradient_accumulation_steps: 2\n"
                + "logging_steps: 1\nsave_steps: 4\nseed: 7\n" + LORA;
        Path whole = tmp.resolve("whole"), resumed = tmp.resolve("resumed");
        Cli.Result w = Cli.run("train", TrainFixtures.config(tmp.resolve("a.yaml"), data, whole, settings).toString());
        assertEquals(0, w.exit(), w.toString());
        Path fin = whole.resolve("final");
        assertTrue(Files.isRegularFile(fin.resolve("adapter_config.json")) && Files.isRegularFile(fin.resolve("adapter_model.safetensors")));
        assertFalse(Files.exists(fin.resolve("model.safetensors")), "a LoRA run saves the adapters, not the base");
        assertTrue(Files.isRegularFile(whole.resolve("checkpoint-8/adapter_model.safetensors")));
        long trainable = Jsonl.JSON.readTree(w.out()).get("trainable_parameters").longValue();
        try (Transformer m = Checkpoints.load(fin)) {
            assertEquals(m.lora().orElseThrow().numParameters(), trainable);
            // stories260K, all-linear, r 4: per layer 4·(64 + 64)·2 (q, o) + 4·(64 + 32)·2 (k, v) + 4·(64 + 172)·3 (gate, up, down)
            assertEquals(5L * (4 * 128 * 2 + 4 * 96 * 2 + 4 * 236 * 3), trainable, w.err());
        }

        // a run stopped after checkpoint-8 and resumed: the checkpoint and the metrics up to it are all it has
        Files.createDirectories(resumed);
        Path from = whole.resolve("checkpoint-8");
        try (var files = Files.walk(from)) {
            for (Path p : files.toList()) Files.copy(p, resumed.resolve("checkpoint-8").resolve(from.relativize(p).toString()));
        }
        Files.copy(whole.resolve("metrics.jsonl"), resumed.resolve("metrics.jsonl"));
        Cli.Result r = Cli.run("train", TrainFixtures.config(tmp.resolve("b.yaml"), data, resumed, settings).toString(), "--resume");
        assertEquals(0, r.exit(), r.toString());
        assertEquals(8, Jsonl.JSON.readTree(r.out()).get("resumed_from_step").longValue());
        assertArrayEquals(Files.readAllBytes(fin.resolve("adapter_model.safetensors")),
                Files.readAllBytes(resumed.resolve("final/adapter_model.safetensors")), "adapters differ after a resume at step 8");
        assertEquals(ResumeTest.withoutTimings(whole, 12), ResumeTest.withoutTimings(resumed, 12));

        // float64 forwards of both isolate the merge from float32's rounding through the layers: what is left is the merged
        // weights' rounding to float32, measured 1.0e-6 here (this adapter, which moves some tokens' log p by ~19)
        assertMergeMatches(fin, 2e-6);
        assertMergeMatches(randomAdapter(), 1e-6);
    }

    /**
     * jpo convert --merge-lora: the merged full checkpoint's per-token log-probs equal base + adapter's (unmerged) to
     * {@code tolerance} in float64 forwards of both (the checkpoints as saved, cast after loading). In float32 forwards
     * the two differ by up to ~8e-5 on tokens with log p near −25, which is each float32 forward's own error against
     * its float64 forward (printed; it depends on the CPU's kernels): a float32 comparison cannot see a merge error
     * below it.
     */
    private void assertMergeMatches(Path adapter, double tolerance) throws Exception {
        Path merged = tmp.resolve("merged-" + adapter.getFileName());
        Cli.Result c = Cli.run("convert", "--merge-lora", adapter.toString(), "--out", merged.toString());
        assertEquals(0, c.exit(), c.toString());
        assertTrue(Files.isRegularFile(merged.resolve("model.safetensors")) && Files.isRegularFile(merged.resolve("config.json")));
        List<PairExample> pairs;
        try (Tokenizer tok = Tokenizers.require(Shared.stories260K(), Optional.of(Shared.tok512()))) {
            pairs = Datasets.paired(tmp.resolve("pairs.jsonl"), tok, Optional.empty(), new DataOptions(64, 32, DataOptions.OnBadRow.ERROR), null).examples();
        }
        double[] adapted, full, base, adapted64, full64;
        try (Transformer a = Checkpoints.load(adapter); Transformer m = Checkpoints.load(merged); Transformer b = Checkpoints.load(Shared.stories260K())) {
            assertTrue(m.lora().isEmpty());
            adapted = tokenLogps(a, pairs);
            full = tokenLogps(m, pairs);
            base = tokenLogps(b, pairs);
            a.cast(torch.ScalarType.Double);
            m.cast(torch.ScalarType.Double);
            assertEquals(torch.ScalarType.Double, m.parameters().values().iterator().next().scalar_type().intern());
            adapted64 = tokenLogps(a, pairs);
            full64 = tokenLogps(m, pairs);
        }
        double diff64 = maxDiff(adapted64, full64), moved = maxDiff(adapted, base);
        System.out.printf("merge-lora on stories260K (%s), max |Δ log p(token)| over %d positions: merged vs base + adapter %.3g in float64 "
                        + "forwards, %.3g in float32 forwards; float32 vs float64 forward of base + adapter %.3g, of merged %.3g; "
                        + "the adapter moved a token's log p by up to %.3g%n", adapter.getFileName(), adapted.length, diff64,
                maxDiff(adapted, full), maxDiff(adapted, adapted64), maxDiff(full, full64), moved);
        assertTrue(moved > 0.1, "the trained adapter must change the log-probs, moved " + moved);
        assertTrue(diff64 < tolerance, "merged vs unmerged, float64: " + diff64);
    }

    private static double maxDiff(double[] x, double[] y) {
        assertEquals(x.length, y.length);
        double d = 0;
        for (int i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i] - y[i]));
        return d;
    }

    /** log p of every completion token, chosen then rejected of each pair, one row at a time in the model's dtype. */
    private static double[] tokenLogps(Transformer m, List<PairExample> pairs) {
        List<Double> out = new ArrayList<>();
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            for (PairExample e : pairs) {
                for (int[] completion : List.of(e.chosen(), e.rejected())) {
                    long[] ids = java.util.stream.IntStream.concat(java.util.Arrays.stream(e.prompt()), java.util.Arrays.stream(completion))
                            .asLongStream().toArray();
                    Tensor logp = m.logits(m.hidden(longs(ids, 1, ids.length))).log_softmax(-1).squeeze(0);       // [T,V]
                    assertEquals(m.parameters().values().iterator().next().scalar_type().intern(), logp.scalar_type().intern());
                    for (int t = e.prompt().length; t < ids.length; t++) out.add(item(logp.select(0, t - 1).select(0, ids[t])));
                }
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** stories260K with all-linear r 4 adapters whose B is N(0, 0.02²) (A is PEFT's init), saved in PEFT layout. */
    private Path randomAdapter() {
        Path dir = tmp.resolve("random-adapter");
        try (Transformer m = Checkpoints.load(Shared.stories260K()); PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            m.attachLora(Lora.create(m.config(), new LoraConfig(4, 8, 0, List.of(LoraConfig.ALL_LINEAR)), 5, Shared.stories260K().toString()));
            java.util.SplittableRandom rng = new java.util.SplittableRandom(9);
            for (var e : m.trainableParameters().entrySet()) {
                if (!e.getKey().contains("lora_B")) continue;
                float[] v = new float[Math.toIntExact(e.getValue().numel())];
                for (int i = 0; i < v.length; i++) v[i] = (float) (0.02 * rng.nextGaussian());
                e.getValue().copy_(org.jpo.tensor.Tensors.floats(v, org.jpo.tensor.Tensors.sizes(e.getValue())));
            }
            Checkpoints.save(m, dir, List.of(Shared.tok512()));
        }
        return dir;
    }

    @Test void configErrorsNameTheKey() throws Exception {
        Path data = TrainFixtures.dogPairs(tmp.resolve("pairs.jsonl"), 8);
        Cli.Result r = Cli.run("train", TrainFixtures.config(tmp.resolve("a.yaml"), data, tmp.resolve("a"), "lora_r: 4\nlora_target_modules: [q_proj, c_attn]\n").toString());
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("lora_target_modules") && r.err().contains("'c_attn'")
                && r.err().contains("q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj"), r.err());
        r = Cli.run("train", TrainFixtures.config(tmp.resolve("b.yaml"), data, tmp.resolve("b"), "lora_r: 4\nsync_ref_model: true\n").toString());
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("lora_r") && r.err().contains("sync_ref_model"), r.err());
        r = Cli.run("train", TrainFixtures.config(tmp.resolve("c.yaml"), data, tmp.resolve("c"), "lora_alpha: 32\n").toString());
        assertNotEquals(0, r.exit(), "lora_alpha without lora_r is read by nothing");
        assertTrue(r.err().contains("lora_alpha") && r.err().contains("lora_r is 0"), r.err());
    }

    @Test void mergeLoraRefusesWhatIsNotAnAdapter() {
        Cli.Result r = Cli.run("convert", "--merge-lora", tmp.toString(), "--out", tmp.resolve("x").toString());
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("not a LoRA adapter directory"), r.err());
    }
}
