package org.jpo.model;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.jpo.UserError;
import org.jpo.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;

import static org.jpo.tensor.Tensors.*;
import static org.junit.jupiter.api.Assertions.*;

/** HF layout round trips and the spellings published checkpoints use. */
class CheckpointsTest {
    @TempDir Path tmp;

    @Test void randomGpt2RoundTripsBitIdentically() throws Exception {
        try (PointerScope scope = new PointerScope(); Transformer m = Transformer.random(ModelConfig.gpt2(50, 24, 2, 3, 40), 3)) {
            Path dir = tmp.resolve("gpt2");
            Checkpoints.save(m, dir, List.of());
            String config = Files.readString(dir.resolve("config.json"));
            assertTrue(config.contains("\"model_type\" : \"gpt2\"") && config.contains("\"n_embd\" : 24"), config);
            // HF Conv1D layout: c_attn stored [in, out] = [D, 3D]
            assertArrayEquals(new long[] {24, 72}, SafeTensors.readHeader(dir.resolve("model.safetensors")).entries().stream()
                    .filter(e -> e.name().equals("transformer.h.0.attn.c_attn.weight")).findFirst().orElseThrow().shape());
            try (Transformer back = Checkpoints.load(dir)) {
                assertEquals(m.config(), back.config());
                for (String name : m.parameters().keySet()) assertTrue(m.parameters().get(name).equal(back.parameters().get(name)), name);
            }
        }
    }

    @Test void gpt2OriginalUnprefixedNamesAndMaskBuffersLoad() {
        try (PointerScope scope = new PointerScope(); Transformer m = Transformer.random(ModelConfig.gpt2(50, 24, 2, 3, 40), 4)) {
            Path dir = tmp.resolve("gpt2-original");
            Checkpoints.save(m, dir, List.of());
            // rewrite the weights the way the original gpt2 checkpoint spells them: no "transformer." prefix,
            // with the causal-mask buffers attn.bias / attn.masked_bias
            LinkedHashMap<String, Tensor> raw = new LinkedHashMap<>();
            m.parameters().forEach((k, v) -> raw.put(k.replaceFirst("^transformer\\.", ""), v));
            for (int l = 0; l < 2; l++) {
                raw.put("h." + l + ".attn.bias", org.bytedeco.pytorch.global.torch.ones(1, 1, 40, 40).tril());
                raw.put("h." + l + ".attn.masked_bias", vector(-1e4));
            }
            SafeTensors.write(dir.resolve("model.safetensors"), raw, java.util.Map.of());
            try (Transformer back = Checkpoints.load(dir)) {
                for (String name : m.parameters().keySet()) assertTrue(m.parameters().get(name).equal(back.parameters().get(name)), name);
            }
        }
    }

    @Test void llamaWithUntiedHeadAndQwenBiasesRoundTrip() {
        var qwen = new ModelConfig(ModelConfig.Family.LLAMA, "qwen2", 40, 16, 1, 4, 2, 4, 24, 32, 1e-6, 1e6,
                ModelConfig.RopeScaling.NONE, false, true, false, "silu", java.util.OptionalInt.of(0), java.util.OptionalInt.of(1));
        try (PointerScope scope = new PointerScope(); Transformer m = Transformer.random(qwen, 5)) {
            Path dir = tmp.resolve("qwen");
            Checkpoints.save(m, dir, List.of());
            try (Transformer back = Checkpoints.load(dir)) {
                assertEquals(qwen, back.config());
                assertTrue(back.parameters().containsKey("lm_head.weight"));
                assertTrue(back.parameters().containsKey("model.layers.0.self_attn.q_proj.bias"));
            }
        }
    }

    @Test void halfPrecisionCheckpointsLoadWidenedToFloat32() {
        for (var dtype : new org.bytedeco.pytorch.global.torch.ScalarType[] {
                org.bytedeco.pytorch.global.torch.ScalarType.BFloat16, org.bytedeco.pytorch.global.torch.ScalarType.Half}) {
            try (PointerScope scope = new PointerScope(); Transformer m = Transformer.random(ModelConfig.llama(40, 16, 1, 2, 1, 24, 32), 8)) {
                Path dir = tmp.resolve("half-" + dtype.value);
                Checkpoints.save(m, dir, List.of());
                LinkedHashMap<String, Tensor> half = new LinkedHashMap<>();
                m.parameters().forEach((k, v) -> half.put(k, v.to(dtype)));
                SafeTensors.write(dir.resolve("model.safetensors"), half, java.util.Map.of());
                assertEquals(dtype.value, SafeTensors.readHeader(dir.resolve("model.safetensors")).entries().get(0).dtype().scalarType().value);
                try (Transformer back = Checkpoints.load(dir)) {
                    for (var e : m.parameters().entrySet()) {
                        Tensor loaded = back.parameters().get(e.getKey());
                        assertEquals(org.bytedeco.pytorch.global.torch.ScalarType.Float.value, loaded.scalar_type().value);
                        // exactly the half-precision value, widened
                        assertTrue(loaded.equal(e.getValue().to(dtype).to(org.bytedeco.pytorch.global.torch.ScalarType.Float)), e.getKey());
                    }
                }
            }
        }
    }

    @Test void configMissingAFieldNamesTheFileAndField() throws Exception {
        Path dir = tmp.resolve("broken");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"llama\", \"hidden_size\": 64, \"num_attention_heads\": 8}");
        UserError e = assertThrows(UserError.class, () -> Checkpoints.load(dir));
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("'vocab_size'"), e.getMessage());
    }

    @Test void wrongShapeAndMissingTensorAreNamed() {
        try (PointerScope scope = new PointerScope(); Transformer m = Transformer.random(ModelConfig.gpt2(50, 24, 1, 3, 40), 6)) {
            Path dir = tmp.resolve("shapes");
            Checkpoints.save(m, dir, List.of());
            LinkedHashMap<String, Tensor> raw = new LinkedHashMap<>(m.parameters());
            raw.put("transformer.wpe.weight", org.bytedeco.pytorch.global.torch.zeros(39, 24));
            SafeTensors.write(dir.resolve("model.safetensors"), raw, java.util.Map.of());
            UserError e = assertThrows(UserError.class, () -> Checkpoints.load(dir));
            assertTrue(e.getMessage().contains("transformer.wpe.weight") && e.getMessage().contains("[39, 24]"), e.getMessage());
            raw.remove("transformer.wpe.weight");
            SafeTensors.write(dir.resolve("model.safetensors"), raw, java.util.Map.of());
            e = assertThrows(UserError.class, () -> Checkpoints.load(dir));
            assertTrue(e.getMessage().contains("missing tensor 'transformer.wpe.weight'"), e.getMessage());
        }
    }
}
