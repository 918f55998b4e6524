package org.jpo.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.jpo.sampling.Completion;
import org.jpo.sampling.LocalSampler;
import org.jpo.sampling.Prompt;
import org.jpo.sampling.SamplingParams;
import org.jpo.testing.DebianPython;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SplittableRandom;

import static org.jpo.tensor.Tensors.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Each Llama-family model type against an independent numpy forward written from HF transformers' modeling files
 * ({@code src/test/resources/reference/llama_family.py}, float64), on random weights in the family's real layout:
 * logits of both jpo decoders, greedy decoding, and the HF directory's round trip.
 */
class ModelFamiliesTest {

    @TempDir Path tmp;

    /** Qwen3: per-head q/k RMSNorm before the rotation, head_dim apart from hidden_size / heads, no biases, GQA. */
    static ModelConfig qwen3() {
        return new ModelConfig(ModelConfig.Family.LLAMA, "qwen3", 50, 32, 2, 4, 2, 16, 48, 64, 1e-6, 1e6,
                ModelConfig.RopeScaling.NONE, true, false, false, "silu", OptionalInt.of(1), OptionalInt.of(2));
    }

    static ModelConfig qwen2() {
        return new ModelConfig(ModelConfig.Family.LLAMA, "qwen2", 50, 32, 2, 4, 2, 8, 48, 64, 1e-6, 1e6,
                ModelConfig.RopeScaling.NONE, false, true, false, "silu", OptionalInt.empty(), OptionalInt.empty());
    }

    @Test void qwen3MatchesTheReferenceForward() throws Exception { check(qwen3(), 1); }

    ModelConfig read(String json) throws IOException {
        return ModelConfig.read(Files.writeString(tmp.resolve("config.json"), json));
    }

    @Test void gemma2MatchesTheReferenceForward() throws Exception { check(FamilyConfigs.GEMMA2, 4); }

    @Test void gemma3MatchesTheReferenceForward() throws Exception { check(FamilyConfigs.GEMMA3, 5); }

    @Test void phi3MatchesTheReferenceForward() throws Exception { check(FamilyConfigs.PHI3, 6); }

    /** Phi-4-mini's longrope within its original context; a longer sequence is refused rather than run on short factors. */
    @Test void phi4MiniMatchesTheReferenceForwardWithinItsOriginalContext() throws Exception {
        check(FamilyConfigs.PHI4_MINI, 8);
        ModelConfig c = read(FamilyConfigs.PHI4_MINI);
        assertEquals(List.of(64, 128), List.of(c.contextLimit(), c.maxSeqLen()));
        try (Transformer m = Transformer.random(c, 8); PointerScope scope = new PointerScope()) {
            var e = assertThrows(org.jpo.UserError.class, () -> m.hidden(longs(new long[65], 1, 65)));
            assertEquals("sequence of 65 tokens exceeds the model's context window of 64", e.getMessage());
        }
    }

    @Test void smollm3MatchesTheReferenceForward() throws Exception { check(FamilyConfigs.SMOLLM3, 7); }

    /** What each family's config.json says, as the record holds it; HF's defaults for absent keys; refusals name the key. */
    @Test void readsEachFamilysConfigWithHfsDefaultsAndRefusesWhatItCannotRun() throws IOException {
        ModelConfig.Variant g2 = read(FamilyConfigs.GEMMA2).variant();
        assertEquals(List.of(true, false, true, false), g2.sliding());   // from layer_types' default: even layers slide
        assertEquals(List.of(4, 12.0, 0.5, 3.0), List.of(g2.slidingWindow(), g2.queryPreAttnScalar(), g2.attnSoftcap(), g2.logitSoftcap()));
        assertTrue(g2.gemmaNorms() && !g2.qkNorm());
        ModelConfig.Variant defaults = read(FamilyConfigs.GEMMA2.replace("\"attn_logit_softcapping\": 0.5,", "")
                .replace("\"final_logit_softcapping\": 3.0,", "").replace("\"head_dim\": 16,", "")).variant();
        assertEquals(List.of(50.0, 30.0), List.of(defaults.attnSoftcap(), defaults.logitSoftcap()));   // absent: Gemma2Config's
        assertEquals(256, read(FamilyConfigs.GEMMA2.replace("\"head_dim\": 16,", "")).headDim());    // not hidden / heads
        ModelConfig.Variant off = read(FamilyConfigs.GEMMA2.replace("0.5", "null").replace("3.0", "null")).variant();
        assertEquals(List.of(0.0, 0.0), List.of(off.attnSoftcap(), off.logitSoftcap()));                 // null: none

        ModelConfig g3 = read(FamilyConfigs.GEMMA3);
        assertEquals(List.of(true, true, false, true, true, false), g3.variant().sliding());   // every 3rd layer global
        assertEquals(ModelConfig.RopeScaling.linear(8), g3.ropeScaling());
        assertEquals(List.of(10000.0, 1e6), List.of(g3.variant().localRopeTheta(), g3.ropeTheta()));
        assertEquals(0.0, read(FamilyConfigs.GEMMA3.replace("\"attn_logit_softcapping\": null", "\"attn_logit_softcapping\": 50.0"))
                .variant().attnSoftcap(), "Gemma 3's attention never applies attn_logit_softcapping");

        ModelConfig phi3 = read(FamilyConfigs.PHI3);
        assertEquals(List.of(6, 6), List.of(phi3.variant().rotaryDim(), phi3.variant().slidingWindow()));
        assertEquals(List.of(true, true), phi3.variant().sliding());
        assertTrue(phi3.variant().fused() && !phi3.tiedEmbeddings());

        assertEquals(List.of(true, true, true, false), read(FamilyConfigs.SMOLLM3).variant().rope());
        assertEquals(List.of(true, true, true, false, true, true, true, false), read(FamilyConfigs.SMOLLM3
                .replace("\"no_rope_layers\": [1, 1, 1, 0], ", "").replace("\"num_hidden_layers\": 4", "\"num_hidden_layers\": 8")).variant().rope());

        String[][] refused = {
                {FamilyConfigs.PHI3.replace("\"rope_scaling\": null", "\"rope_scaling\": {\"type\": \"yarn\", \"factor\": 4.0}"),
                        "field 'rope_scaling.rope_type': expected 'llama3', 'linear', 'longrope' or 'default' (others are not supported yet), got 'yarn'"},
                {FamilyConfigs.PHI4_MINI.replace("[1.0, 1.1, 1.3, 1.6, 2.0, 3.0]", "[1.0, 1.1]"),
                        "rope_scaling: short_factor and long_factor must have rotary dimensions / 2 = 6 entries, got 2 and 6"},
                {FamilyConfigs.PHI4_MINI.replace("\"phi3\"", "\"llama\""), "field 'rope_scaling.rope_type': expected 'longrope' only for phi3 models"},
                {FamilyConfigs.SMOLLM3.replace("[1, 1, 1, 0]", "[1, 1, 0]"), "field 'no_rope_layers': expected a list of 4 zeros and ones"},
                {FamilyConfigs.GEMMA2.replace("\"num_hidden_layers\": 4", "\"num_hidden_layers\": 4, \"layer_types\": [\"full_attention\"]"),
                        "field 'layer_types': expected a list of 4 layer types"},
                {FamilyConfigs.GEMMA2.replace("\"hidden_activation\": \"gelu_pytorch_tanh\"", "\"hidden_activation\": \"relu\""),
                        "field 'hidden_activation': expected 'gelu_pytorch_tanh' for gemma2, got 'relu'"},
                {FamilyConfigs.GEMMA3.replace("\"rope_type\": \"linear\"", "\"rope_type\": \"llama3\", \"original_max_position_embeddings\": 8"),
                        "field 'rope_scaling.rope_type': expected 'linear' or 'default' for gemma3_text"},
                {FamilyConfigs.PHI3.replace("\"partial_rotary_factor\": 0.75", "\"partial_rotary_factor\": 0.1"), "partial_rotary_factor gives 0 rotary dimensions of head_dim 8"},
                {FamilyConfigs.GEMMA2.replace("\"gemma2\"", "\"gemma\""), "model_type 'gemma' is not supported (supported: llama, mistral, qwen2, qwen3, gemma2, gemma3_text, gemma3 (its language model), phi3, smollm3, gpt2)"},
        };
        for (String[] c : refused) {
            var e = assertThrows(org.jpo.UserError.class, () -> read(c[0]), c[1]);
            assertTrue(e.getMessage().contains(c[1]) && e.getMessage().contains("config.json"), e.getMessage());
        }
    }

    /**
     * Gemma 3's image-and-text checkpoint (gemma-3-4b-it's config.json, shrunk: its text_config lists only what departs
     * from Gemma3TextConfig's defaults), under the names transformers 4.5x and 5.x save: jpo loads the language model,
     * the same model as the text-only checkpoint, and leaves the vision tower out.
     */
    @Test void readsTheLanguageModelOfGemma3sImageAndTextCheckpoints() throws Exception {
        String multimodal = """
                {"architectures": ["Gemma3ForConditionalGeneration"], "boi_token_index": 255999, "eoi_token_index": 256000,
                 "eos_token_id": [1, 106], "image_token_index": 262144, "initializer_range": 0.02, "mm_tokens_per_image": 256,
                 "model_type": "gemma3", "text_config": {"head_dim": 16, "hidden_size": 32, "intermediate_size": 48,
                 "max_position_embeddings": 64, "model_type": "gemma3_text", "num_attention_heads": 4, "num_hidden_layers": 6,
                 "num_key_value_heads": 1, "query_pre_attn_scalar": 16, "rope_scaling": {"factor": 8.0, "rope_type": "linear"},
                 "sliding_window": 5, "sliding_window_pattern": 3, "vocab_size": 50}, "torch_dtype": "bfloat16",
                 "transformers_version": "4.50.0.dev0", "vision_config": {"hidden_size": 1152, "image_size": 896,
                 "model_type": "siglip_vision_model", "num_hidden_layers": 27, "patch_size": 14}}""";
        ModelConfig text = read(FamilyConfigs.GEMMA3);
        assertEquals(text, read(multimodal));
        try (Transformer m = Transformer.random(text, 13)) {
            for (String prefix : List.of("language_model.model.", "model.language_model.")) {
                Path dir = Files.createDirectories(tmp.resolve("gemma3-" + prefix.length()));
                Files.writeString(dir.resolve("config.json"), multimodal);
                try (PointerScope scope = new PointerScope()) {
                    java.util.Map<String, org.bytedeco.pytorch.Tensor> named = new java.util.LinkedHashMap<>();
                    m.parameters().forEach((name, t) -> named.put(prefix + name.substring("model.".length()), t));
                    String vision = prefix.startsWith("model.") ? "model." : "";
                    named.put(vision + "vision_tower.vision_model.post_layernorm.weight", org.bytedeco.pytorch.global.torch.ones(8));
                    named.put(vision + "multi_modal_projector.mm_soft_emb_norm.weight", org.bytedeco.pytorch.global.torch.ones(8));
                    org.jpo.io.SafeTensors.write(dir.resolve("model.safetensors"), named, java.util.Map.of());
                }
                try (Transformer back = Checkpoints.load(dir)) {
                    assertEquals(text, back.config());
                    assertEquals(m.checksum(), back.checksum(), prefix);
                }
            }
        }
        // gemma-3-4b-it's text_config as published: the rest comes from Gemma3TextConfig's defaults
        ModelConfig real = read("""
                {"architectures": ["Gemma3ForConditionalGeneration"], "eos_token_id": [1, 106], "model_type": "gemma3",
                 "text_config": {"hidden_size": 2560, "intermediate_size": 10240, "model_type": "gemma3_text", "num_hidden_layers": 34,
                 "rope_scaling": {"factor": 8.0, "rope_type": "linear"}, "sliding_window": 1024}, "vision_config": {}}""");
        assertEquals(List.of(262_208, 2560, 10240, 34, 8, 4, 256, 131_072), List.of(real.vocabSize(), real.dim(), real.hiddenDim(),
                real.nLayers(), real.nHeads(), real.nKvHeads(), real.headDim(), real.maxSeqLen()));
        assertEquals(List.of(1e6, 10000.0, 256.0, 1e-6), List.of(real.ropeTheta(), real.variant().localRopeTheta(),
                real.variant().queryPreAttnScalar(), real.normEps()));
        assertEquals(List.of(1024, 2, 1), List.of(real.variant().slidingWindow(), real.bosId().getAsInt(), real.eosId().getAsInt()));
        assertTrue(real.tiedEmbeddings() && real.qkNorm() && !real.variant().sliding().get(5) && real.variant().sliding().get(6));
        var e = assertThrows(org.jpo.UserError.class, () -> read(multimodal.replace("\"num_key_value_heads\": 1,", "\"num_key_value_heads\": 3,")));
        assertTrue(e.getMessage().contains("num_attention_heads (4) must be a multiple of num_key_value_heads (3)"), e.getMessage());
        e = assertThrows(org.jpo.UserError.class, () -> read(multimodal.replace("\"vocab_size\": 50", "\"vocab_size\": \"many\"")));
        assertTrue(e.getMessage().contains("field 'text_config.vocab_size': expected an integer"), e.getMessage());
    }

    /** transformers 5 writes the rotary keys together in rope_parameters (one dict per layer type for Gemma 3): the same models. */
    @Test void readsTransformers5sRopeParameters() throws IOException {
        String gemma3 = FamilyConfigs.GEMMA3.replace("\"rope_local_base_freq\": 10000,", "")
                .replace("\"rope_scaling\": {\"factor\": 8.0, \"rope_type\": \"linear\"}, \"rope_theta\": 1000000,",
                        "\"rope_parameters\": {\"full_attention\": {\"rope_type\": \"linear\", \"factor\": 8.0, \"rope_theta\": 1000000.0}, "
                                + "\"sliding_attention\": {\"rope_type\": \"default\", \"rope_theta\": 20000.0}},");
        String gemma3Local = FamilyConfigs.GEMMA3.replace("\"rope_local_base_freq\": 10000", "\"rope_local_base_freq\": 20000");
        String phi4 = FamilyConfigs.PHI4_MINI.replace("\"partial_rotary_factor\": 0.75,", "").replace("\"original_max_position_embeddings\": 64,", "")
                .replace("\"rope_scaling\": {", "\"rope_parameters\": {\"rope_theta\": 10000.0, \"partial_rotary_factor\": 0.75, "
                        + "\"original_max_position_embeddings\": 64, ")
                .replace("\"type\": \"longrope\"}, \"rope_theta\": 10000.0,", "\"rope_type\": \"longrope\"},");
        String smollm3 = FamilyConfigs.SMOLLM3.replace("\"rope_scaling\": null,", "")
                .replace("\"rope_theta\": 5000000.0,", "\"rope_parameters\": {\"rope_type\": \"default\", \"rope_theta\": 5000000.0},");
        for (String[] pair : new String[][] {{gemma3Local, gemma3}, {FamilyConfigs.PHI4_MINI, phi4}, {FamilyConfigs.SMOLLM3, smollm3}}) {
            JsonNode v5 = new ObjectMapper().readTree(pair[1]);   // the replacements took: only rope_parameters holds the rotary keys
            assertTrue(v5.has("rope_parameters") && !v5.has("rope_theta") && !v5.has("rope_scaling") && !v5.has("rope_local_base_freq")
                    && !v5.has("partial_rotary_factor"), pair[1]);
            assertEquals(read(pair[0]), read(pair[1]), pair[1]);
        }
        var e = assertThrows(org.jpo.UserError.class, () -> read(gemma3.replace("\"rope_type\": \"default\", \"rope_theta\": 20000.0", "\"rope_type\": \"linear\", \"factor\": 2.0")));
        assertTrue(e.getMessage().contains("field 'rope_parameters.sliding_attention.rope_type': expected 'default'"), e.getMessage());
        e = assertThrows(org.jpo.UserError.class, () -> read(smollm3.replace("\"rope_type\": \"default\"", "\"rope_type\": \"yarn\"")));
        assertTrue(e.getMessage().contains("field 'rope_parameters.rope_type': expected 'llama3', 'linear', 'longrope' or 'default'"), e.getMessage());
    }

    /** jpo convert of a Phi-3 directory writes the HF layout back: fused matrices under their names, the same config. */
    @Test void convertWritesEachFamilyBackInItsOwnLayout() throws Exception {
        for (String json : List.of(FamilyConfigs.PHI3, FamilyConfigs.GEMMA3)) {
            ModelConfig config = read(json);
            Path dir = tmp.resolve(config.modelType()), out = tmp.resolve(config.modelType() + "-converted");
            try (Transformer m = Transformer.random(config, 9)) {
                Checkpoints.save(m, dir, List.of());
            }
            var r = org.jpo.testing.Cli.run("convert", "--model", dir.toString(), "--out", out.toString());
            assertEquals(0, r.exit(), r.toString());
            JsonNode written = new ObjectMapper().readTree(out.resolve("config.json").toFile());
            JsonNode original = new ObjectMapper().readTree(json);
            for (String key : List.of("model_type", "head_dim", "sliding_window", "partial_rotary_factor", "rope_scaling", "rope_local_base_freq",
                    "query_pre_attn_scalar", "tie_word_embeddings")) {
                if (!original.has(key)) continue;
                JsonNode want = original.get(key), got = written.get(key);
                if (want.isNumber()) assertEquals(want.doubleValue(), got.doubleValue(), config.modelType() + " " + key);
                else assertEquals(want, got, config.modelType() + " " + key);
            }
            try (Transformer a = Checkpoints.load(dir); Transformer b = Checkpoints.load(out)) {
                assertEquals(a.config(), b.config());
                assertEquals(a.parameters().keySet(), b.parameters().keySet());
                for (String name : a.parameters().keySet()) assertTrue(a.parameters().get(name).equal(b.parameters().get(name)), name);
            }
        }
    }

    /** The reference reads the checkpoint's own config.json, not the one jpo writes back: both must mean the same model. */
    private void check(String json, long seed) throws Exception { check(read(json), json, seed); }

    private void check(ModelConfig config, long seed) throws Exception { check(config, config.toJson().toString(), seed); }

    @Test void qwen2AndLlamaMatchTheReferenceForward() throws Exception {
        check(qwen2(), 2);
        check(ModelConfig.llama(50, 32, 2, 4, 2, 48, 64), 3);
    }

    /** Qwen3-0.6B's config.json keys (sizes shrunk) read as the record above; sliding windows refused by name. */
    /** Qwen3-0.6B's config.json keys (sizes shrunk) read as the record above; with use_sliding_window, the layers from max_window_layers on slide. */
    @Test void readsQwen3sConfigAndItsSlidingWindows() throws Exception {
        String json = """
                {"architectures": ["Qwen3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0, "bos_token_id": 1,
                 "eos_token_id": 2, "head_dim": 16, "hidden_act": "silu", "hidden_size": 32, "initializer_range": 0.02,
                 "intermediate_size": 48, "max_position_embeddings": 64, "max_window_layers": 28, "model_type": "qwen3",
                 "num_attention_heads": 4, "num_hidden_layers": 2, "num_key_value_heads": 2, "rms_norm_eps": 1e-06,
                 "rope_scaling": null, "rope_theta": 1000000, "sliding_window": null, "tie_word_embeddings": true,
                 "torch_dtype": "bfloat16", "transformers_version": "4.51.0", "use_cache": true, "use_sliding_window": false,
                 "vocab_size": 50}""";
        Path file = Files.writeString(tmp.resolve("config.json"), json);
        assertEquals(qwen3(), ModelConfig.read(file));
        Files.writeString(file, json.replace("\"use_sliding_window\": false", "\"use_sliding_window\": true"));
        assertEquals(qwen3(), ModelConfig.read(file), "no sliding_window: nothing slides");
        String sliding = json.replace("\"use_sliding_window\": false", "\"use_sliding_window\": true")
                .replace("\"sliding_window\": null", "\"sliding_window\": 4").replace("\"max_window_layers\": 28", "\"max_window_layers\": 1");
        assertEquals(List.of(false, true), read(sliding).variant().sliding());
        check(sliding, 11);
    }

    /** SmolLM3 with use_sliding_window: its no-RoPE layers slide. */
    @Test void smollm3sSlidingWindowsOnItsNoRopeLayers() throws Exception {
        String sliding = FamilyConfigs.SMOLLM3.replace("\"use_sliding_window\": false", "\"use_sliding_window\": true")
                .replace("\"sliding_window\": null", "\"sliding_window\": 3");
        assertEquals(List.of(false, false, false, true), read(sliding).variant().sliding());
        check(sliding, 12);
    }

    private void check(ModelConfig config, String json, long seed) throws Exception {
        try (Transformer m = Transformer.random(config, seed)) {
            spreadNorms(m, seed);
            Path dir = tmp.resolve(config.modelType() + "-" + seed);
            Checkpoints.save(m, dir, List.of());
            try (Transformer back = Checkpoints.load(dir)) {   // the HF directory reloads bit for bit
                assertEquals(config, back.config());
                for (String name : m.parameters().keySet()) assertTrue(m.parameters().get(name).equal(back.parameters().get(name)), name);
            }
            Files.writeString(dir.resolve("config.json"), json);
            int[] ids = {1, 7, 3, 42, 9, 0, 17, 28, 5, 49, 11, 2};
            double[][] expected = reference(dir, ids);
            double torch = maxDiff(torchLogits(m, ids), expected);
            assertTrue(torch <= 1e-5, config.modelType() + ": libtorch forward " + torch + " from the reference");
            assertTrue(m.vector().isPresent(), m.vectorDecoderMissing().toString());
            double vector = maxDiff(vectorLogits(m, ids), expected);
            assertTrue(vector <= 1e-5, config.modelType() + ": Vector API forward " + vector + " from the reference");

            // greedy decoding picks the reference's argmax at every position, two prompts of different lengths decoding
            // side by side through the KV cache (past sliding windows, where a family has them)
            List<int[]> prompts = List.of(new int[] {1, 7, 3}, new int[] {1, 30, 31, 32, 33, 34});
            for (LocalSampler.Decoder d : List.of(LocalSampler.Decoder.TORCH, LocalSampler.Decoder.VECTOR)) {
                List<Completion> cs = new LocalSampler(m, Set.of(), 2).with(d).sample(List.of(new Prompt(0, prompts.get(0)),
                        new Prompt(1, prompts.get(1))), new SamplingParams(1, 20, 1, 0, 1, true, 0));
                for (Completion c : cs) {
                    int[] prompt = prompts.get(c.promptIndex());
                    int[] all = new int[prompt.length + c.tokenIds().length];
                    System.arraycopy(prompt, 0, all, 0, prompt.length);
                    System.arraycopy(c.tokenIds(), 0, all, prompt.length, c.tokenIds().length);
                    double[][] ref = reference(dir, all);
                    for (int i = 0; i < c.tokenIds().length; i++) {
                        assertEquals(argmax(ref[prompt.length - 1 + i]), c.tokenIds()[i], d + " prompt " + c.promptIndex() + " token " + i);
                    }
                }
            }
        }
    }

    /** Random init gives unit norm weights and logits near 0; spread them so the norms' weights matter and logits are O(1). */
    static void spreadNorms(Transformer m, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            for (var e : m.parameters().entrySet()) {
                if (!e.getKey().contains("norm")) continue;
                float[] v = new float[(int) e.getValue().numel()];
                float scale = e.getKey().equals("model.norm.weight") ? 40f : 1f;
                float unit = m.config().variant().gemmaNorms() ? 1f : 0f;   // Gemma's norms scale by 1 + w: the same scales
                for (int i = 0; i < v.length; i++) v[i] = scale * (float) (0.5 + rng.nextDouble()) - unit;
                e.getValue().copy_(floats(v, v.length));
            }
        }
    }

    private static double[][] torchLogits(Transformer m, int[] ids) {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            float[] flat = toFloats(m.logits(m.hidden(longs(Arrays.stream(ids).asLongStream().toArray(), 1, ids.length))));   // [1,T,V]
            return rows(flat, ids.length);
        }
    }

    private static double[][] vectorLogits(Transformer m, int[] ids) {
        VectorLlama v = m.vector().orElseThrow();
        int t = ids.length, vocab = m.config().vocabSize();
        float[][] out = new float[t][vocab];
        int[] pos = new int[t];
        for (int i = 0; i < t; i++) pos[i] = i;
        VectorLlama.Cache[] rows = new VectorLlama.Cache[t];
        Arrays.fill(rows, v.newCache(t));
        v.forward(ids, pos, rows, out, new VectorLlama.Workspace());
        double[][] d = new double[t][vocab];
        for (int i = 0; i < t; i++) for (int j = 0; j < vocab; j++) d[i][j] = out[i][j];
        return d;
    }

    private static double[][] rows(float[] flat, int t) {
        int v = flat.length / t;
        double[][] out = new double[t][v];
        for (int i = 0; i < t; i++) for (int j = 0; j < v; j++) out[i][j] = flat[i * v + j];
        return out;
    }

    private static double maxDiff(double[][] a, double[][] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) for (int j = 0; j < a[i].length; j++) worst = Math.max(worst, Math.abs(a[i][j] - b[i][j]));
        return worst;
    }

    private static int argmax(double[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
        return best;
    }

    /** The numpy reference's logits [T][V] for {@code ids} on the HF directory {@code dir}. */
    private double[][] reference(Path dir, int[] ids) throws IOException, InterruptedException {
        DebianPython.require("numpy", "the reference forward needs it");
        Path script = tmp.resolve("llama_family.py");
        if (!Files.exists(script)) {
            try (InputStream in = ModelFamiliesTest.class.getResourceAsStream("/reference/llama_family.py")) {
                Files.copy(in, script);
            }
        }
        List<String> cmd = new ArrayList<>(List.of(DebianPython.PYTHON, script.toString(), dir.toString()));
        for (int id : ids) cmd.add(Integer.toString(id));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "reference forward failed: " + out);
        JsonNode logits = new ObjectMapper().readTree(out).get("logits");
        double[][] r = new double[logits.size()][];
        for (int i = 0; i < r.length; i++) {
            r[i] = new double[logits.get(i).size()];
            for (int j = 0; j < r[i].length; j++) r[i][j] = logits.get(i).get(j).doubleValue();
        }
        return r;
    }

}
