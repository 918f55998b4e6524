package org.jpo.model;

import com.fasterxml.jackson.databind.JsonNode;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.jpo.UserError;
import org.jpo.config.ConfigError;
import org.jpo.io.Jsonl;
import org.jpo.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.jpo.tensor.Tensors.*;
import static org.junit.jupiter.api.Assertions.*;

/** LoRA adapters on tiny random models of both families: the forward, the reference with adapters off, PEFT files, merging. */
class LoraTest {
    @TempDir Path tmp;

    static final long[] IDS = {1, 5, 9, 11, 3, 7, 2, 4, 8, 10, 12, 6};

    static Stream<ModelConfig> configs() {
        return Stream.of(ModelConfig.llama(61, 32, 2, 4, 2, 48, 64), ModelConfig.gpt2(61, 32, 2, 4, 64));
    }

    static LoraConfig allLinear(double dropout) { return new LoraConfig(4, 8, dropout, List.of(LoraConfig.ALL_LINEAR)); }

    /** Logits [2,6,V] of the fixed ids, without gradient. */
    static float[] logits(Transformer m) {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            return toFloats(m.logits(m.hidden(longs(IDS, 2, 6))));
        }
    }

    static double maxDiff(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
        return d;
    }

    /** Fills every B with N(0, 0.1) (as after some training), so that the adapters change the outputs. */
    static void randomB(Lora l, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            for (var e : l.parameters().entrySet()) {
                if (!e.getKey().contains("lora_B")) continue;
                float[] v = new float[Math.toIntExact(e.getValue().numel())];
                for (int i = 0; i < v.length; i++) v[i] = (float) (0.1 * rng.nextGaussian());
                e.getValue().copy_(floats(v, sizes(e.getValue())));
            }
        }
    }

    static Transformer withAdapters(ModelConfig c, LoraConfig lc) {
        Transformer m = Transformer.random(c, 3);
        m.attachLora(Lora.create(c, lc, 11, "/base"));
        return m;
    }

    @ParameterizedTest @MethodSource("configs")
    void freshAdaptersAreANoOpAndSwitchedOffAdaptersAreTheBaseExactly(ModelConfig c) {
        try (Transformer base = Transformer.random(c, 3); Transformer m = withAdapters(c, allLinear(0))) {
            float[] plain = logits(base);
            assertEquals(0.0, maxDiff(plain, logits(m)), "B = 0: the adapters must change nothing");
            randomB(m.lora().orElseThrow(), 5);
            assertTrue(maxDiff(plain, logits(m)) > 1e-3, "random B must change the logits");
            try (var off = m.adaptersOff()) {
                assertEquals(0.0, maxDiff(plain, logits(m)), "adapters off must be the base model exactly");
                assertEquals(base.checksum(), m.checksum(), "adapters off: the base's checksum (the reference cache's key)");
            }
            assertNotEquals(base.checksum(), m.checksum());
        }
    }

    @ParameterizedTest @MethodSource("configs")
    void onlyTheAdaptersGetGradients(ModelConfig c) {
        try (Transformer m = withAdapters(c, allLinear(0))) {
            randomB(m.lora().orElseThrow(), 5);
            m.trainable(true);
            assertEquals(m.lora().orElseThrow().parameters().keySet(), m.trainableParameters().keySet());
            try (PointerScope scope = new PointerScope()) {
                m.logits(m.hidden(longs(IDS, 2, 6))).pow(s(2)).mean().backward();
                for (var e : m.parameters().entrySet()) assertFalse(e.getValue().grad().defined(), "base weight " + e.getKey() + " got a gradient");
                for (var e : m.trainableParameters().entrySet()) {
                    assertTrue(e.getValue().grad().defined() && item(e.getValue().grad().abs().sum()) > 0, "adapter " + e.getKey() + " got no gradient");
                }
            }
        }
    }

    @ParameterizedTest @MethodSource("configs")
    void mergedWeightsGiveTheAdaptedLogits(ModelConfig c) {
        try (Transformer m = withAdapters(c, allLinear(0))) {
            randomB(m.lora().orElseThrow(), 5);
            float[] adapted = logits(m);
            m.mergeLora();
            assertTrue(m.lora().isEmpty());
            double d = maxDiff(adapted, logits(m));
            assertTrue(d < 2e-6, "merged vs adapted: max |Δlogit| " + d);
        }
    }

    /** GPT-2's Conv1D stores W as [in, out]: y = x·W + b + (α/r)·x·Aᵀ·Bᵀ, checked against the formula on one module. */
    @Test void conv1dAdapterIsTheFormula() {
        ModelConfig c = ModelConfig.gpt2(61, 32, 2, 4, 64);
        try (Transformer m = withAdapters(c, new LoraConfig(4, 8, 0, null)); PointerScope scope = new PointerScope();
             NoGradGuard g = new NoGradGuard()) {
            Lora l = m.lora().orElseThrow();
            assertEquals(List.of("transformer.h.0.attn.c_attn", "transformer.h.1.attn.c_attn"), l.modules(), "PEFT's GPT-2 default is c_attn");
            randomB(l, 5);
            Tensor x = floats(new float[2 * 32], 2, 32).normal_();                                        // [2,D]
            Tensor w = m.parameters().get("transformer.h.0.attn.c_attn.weight");                          // [D,3D]
            Tensor a = l.parameters().get("base_model.model.transformer.h.0.attn.c_attn.lora_A.weight");  // [r,D]
            Tensor b = l.parameters().get("base_model.model.transformer.h.0.attn.c_attn.lora_B.weight");  // [3D,r]
            assertArrayEquals(new long[] {4, 32}, sizes(a));
            assertArrayEquals(new long[] {96, 4}, sizes(b));
            Tensor y = x.matmul(w);                                                                        // [2,3D]
            Tensor expect = y.add(x.matmul(a.t()).matmul(b.t()).mul(s(8.0 / 4)));
            double d = item(l.apply("transformer.h.0.attn.c_attn", x, y).sub(expect).abs().max());
            assertTrue(d < 1e-6, "max diff " + d);
        }
    }

    @Test void dropoutActsOnlyWhileTraining() {
        ModelConfig c = ModelConfig.llama(61, 32, 2, 4, 2, 48, 64);
        try (Transformer noDrop = withAdapters(c, allLinear(0)); Transformer drop = withAdapters(c, allLinear(0.5))) {
            randomB(noDrop.lora().orElseThrow(), 5);
            randomB(drop.lora().orElseThrow(), 5);
            assertEquals(0.0, maxDiff(logits(noDrop), logits(drop)), "no gradient (eval, reference, sampling): no dropout");
            try (PointerScope scope = new PointerScope()) {
                float[] train = toFloats(drop.logits(drop.hidden(longs(IDS, 2, 6))));
                assertTrue(maxDiff(logits(noDrop), train) > 1e-3, "training forwards must drop adapter inputs");
            }
        }
    }

    @ParameterizedTest @MethodSource("configs")
    void savesInPeftLayoutAndLoadsBack(ModelConfig c) throws Exception {
        Path base = tmp.resolve("base"), adapter = tmp.resolve("adapter");
        try (Transformer b = Transformer.random(c, 3)) { Checkpoints.save(b, base, List.of()); }
        try (Transformer m = Checkpoints.load(base)) {
            m.attachLora(Lora.create(c, new LoraConfig(4, 8, 0.05, null), 11, base.toString()));
            randomB(m.lora().orElseThrow(), 5);
            Checkpoints.save(m, adapter, List.of());
            float[] before = logits(m);
            assertFalse(Files.exists(adapter.resolve("model.safetensors")), "an adapter checkpoint holds the adapters only");
            JsonNode cfg = Jsonl.JSON.readTree(adapter.resolve("adapter_config.json").toFile());
            boolean gpt2 = c.family() == ModelConfig.Family.GPT2;
            assertEquals("LORA", cfg.get("peft_type").asText());
            assertEquals("CAUSAL_LM", cfg.get("task_type").asText());
            assertEquals(4, cfg.get("r").asInt());
            assertEquals(8.0, cfg.get("lora_alpha").asDouble());
            assertEquals(0.05, cfg.get("lora_dropout").asDouble());
            assertEquals("none", cfg.get("bias").asText());
            assertEquals(gpt2, cfg.get("fan_in_fan_out").asBoolean());
            assertEquals(base.toString(), cfg.get("base_model_name_or_path").asText());
            assertEquals(gpt2 ? "[\"c_attn\"]" : "[\"q_proj\",\"v_proj\"]", cfg.get("target_modules").toString());
            List<String> keys = SafeTensors.readHeader(adapter.resolve("adapter_model.safetensors")).entries().stream()
                    .map(SafeTensors.Entry::name).sorted().toList();
            List<String> expect = gpt2
                    ? List.of("base_model.model.transformer.h.0.attn.c_attn.lora_A.weight", "base_model.model.transformer.h.0.attn.c_attn.lora_B.weight",
                              "base_model.model.transformer.h.1.attn.c_attn.lora_A.weight", "base_model.model.transformer.h.1.attn.c_attn.lora_B.weight")
                    : List.of("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight",
                              "base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight", "base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight",
                              "base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight", "base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight",
                              "base_model.model.model.layers.1.self_attn.v_proj.lora_A.weight", "base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight");
            assertEquals(expect, keys);
            try (Transformer back = Checkpoints.load(adapter)) {
                assertEquals(0.0, maxDiff(before, logits(back)), "load(adapter dir) = base + the same adapters");
                assertEquals(m.checksum(), back.checksum());
            }
        }
    }

    @Test void unknownModulesAreConfigErrorsListingTheFamilysNames() {
        var lc = new LoraConfig(4, 8, 0, List.of("q_proj", "c_attn"));
        ConfigError e = assertThrows(ConfigError.class, () -> lc.targets(ModelConfig.llama(40, 16, 1, 2, 2, 24, 32)));
        assertEquals("lora_target_modules", e.key());
        assertTrue(e.getMessage().contains("'c_attn'") && e.getMessage().contains("q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj"), e.getMessage());
        e = assertThrows(ConfigError.class, () -> new LoraConfig(4, 8, 0, List.of("q_proj")).targets(ModelConfig.gpt2(40, 16, 1, 2, 32)));
        assertTrue(e.getMessage().contains("c_attn, c_proj, c_fc"), e.getMessage());
        assertEquals("lora_target_modules", assertThrows(ConfigError.class, () -> new LoraConfig(4, 8, 0, List.of("all-linear", "q_proj"))).key());
        assertEquals("lora_dropout", assertThrows(ConfigError.class, () -> new LoraConfig(4, 8, 1.0, null)).key());
        assertEquals("lora_r", assertThrows(ConfigError.class, () -> new LoraConfig(-1, 8, 0, null)).key());
        assertEquals(List.of("c_attn", "c_proj", "c_fc"), new LoraConfig(4, 8, 0, List.of("all-linear")).targets(ModelConfig.gpt2(40, 16, 1, 2, 32)));
    }

    @Test void anAdapterForAnotherShapeIsRefusedNamingTheFile() throws Exception {
        Path base = tmp.resolve("base"), other = tmp.resolve("other"), adapter = tmp.resolve("adapter");
        ModelConfig c = ModelConfig.llama(61, 32, 2, 4, 2, 48, 64);
        try (Transformer b = Transformer.random(c, 3); Transformer o = Transformer.random(ModelConfig.llama(61, 16, 2, 4, 2, 48, 64), 3)) {
            Checkpoints.save(b, base, List.of());
            Checkpoints.save(o, other, List.of());
            b.attachLora(Lora.create(c, allLinear(0), 1, base.toString()));
            Checkpoints.save(b, adapter, List.of());
        }
        UserError e = assertThrows(UserError.class, () -> Checkpoints.loadAdapter(adapter, other).close());
        assertTrue(e.getMessage().contains("adapter_model.safetensors") && e.getMessage().contains("has shape"), e.getMessage());
    }
}
