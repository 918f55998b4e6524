package org.jpo.loop;

import org.bytedeco.javacpp.PointerScope;
import org.jpo.io.Jsonl;
import org.jpo.model.Checkpoints;
import org.jpo.model.FamilyConfigs;
import org.jpo.model.ModelConfig;
import org.jpo.model.Transformer;
import org.jpo.testing.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import static org.jpo.tensor.Tensors.item;
import static org.junit.jupiter.api.Assertions.*;

/** One round of {@code jpo run} on a random small model of each family jpo reads beyond llama2.c's: sampled, scored, trained, saved. */
class FamilyLoopTest {
    @TempDir Path tmp;

    @Test void oneRoundOnARandomQwen3() throws Exception {
        var qwen3 = new ModelConfig(ModelConfig.Family.LLAMA, "qwen3", 512, 32, 2, 4, 2, 16, 48, 128, 1e-6, 1e6,
                ModelConfig.RopeScaling.NONE, true, false, false, "silu", OptionalInt.of(1), OptionalInt.of(2));
        closeAll(round(qwen3, "model.layers.1.self_attn.k_norm.weight"));
    }

    @Test void oneRoundOnARandomGemma2() throws Exception {
        closeAll(round(read(FamilyConfigs.GEMMA2), "model.layers.1.post_feedforward_layernorm.weight"));
    }

    @Test void oneRoundOnARandomGemma3() throws Exception {
        closeAll(round(read(FamilyConfigs.GEMMA3), "model.layers.5.self_attn.q_norm.weight"));
    }

    @Test void oneRoundOnARandomSmolLM3() throws Exception {
        closeAll(round(read(FamilyConfigs.SMOLLM3), "model.layers.3.mlp.up_proj.weight"));
    }

    /** Phi-3 with LoRA on every linear: PEFT's names for its fused matrices (qkv_proj, gate_up_proj) train and merge. */
    @Test void oneRoundOnARandomPhi3WithLoraOnItsFusedLinears() throws Exception {
        ModelConfig phi3 = read(FamilyConfigs.PHI3);
        Map<String, Transformer> ends = round(phi3, "model.layers.1.mlp.gate_up_proj.weight", "lora_r: 4", "lora_target_modules: all-linear");
        try (Transformer start = ends.get("start"); Transformer trained = ends.get("trained"); PointerScope scope = new PointerScope()) {
            for (var e : start.parameters().entrySet()) {
                double d = item(e.getValue().sub(trained.parameters().get(e.getKey())).abs().max());
                boolean adapted = e.getKey().matches(".*layers.*(qkv_proj|o_proj|gate_up_proj|down_proj)\\.weight");
                if (adapted) assertTrue(d > 0, e.getKey() + " carries an adapter and moves once it is merged");
                else assertEquals(0.0, d, e.getKey() + " is not adapted and must not move");
            }
        }
    }

    private static void closeAll(Map<String, Transformer> models) { models.values().forEach(Transformer::close); }

    private ModelConfig read(String json) throws Exception {
        return ModelConfig.read(Files.writeString(tmp.resolve("config.json"), FamilyConfigs.resized(json, 512, 128)));
    }

    /** Runs one round from a random {@code config} model; returns the starting and the trained model (the caller closes them). */
    private Map<String, Transformer> round(ModelConfig config, String familyWeight, String... train) throws Exception {
        Path policy = tmp.resolve(config.modelType());
        String initial;
        try (Transformer m = Transformer.random(config, 4)) {
            Checkpoints.save(m, policy, List.of());
            initial = m.checksum();
        }
        Path loop = LoopFixtures.storiesConfig(tmp, train);
        Path out = tmp.resolve("out");
        Cli.Result r = Cli.run("run", loop.toString(), "output_dir=" + out, "rounds=1", "policy=" + policy,
                "feedback=[{type: regex, pattern: 'e.*e.*e'}]");   // random text: some samples have three e's, some not
        assertEquals(0, r.exit(), r.toString());
        assertEquals(12 * 4, Jsonl.read(out.resolve("round-001/samples.jsonl")).size());
        Transformer trained = Checkpoints.load(out.resolve("round-001/checkpoint"));
        assertEquals(config, trained.config());
        assertTrue(trained.parameters().containsKey(familyWeight), familyWeight);
        assertNotEquals(initial, trained.checksum(), "the round trained the policy");
        return Map.of("start", Checkpoints.load(policy), "trained", trained);
    }
}
