package org.jpo.model;

import org.jpo.config.Check;
import org.jpo.config.ConfigError;
import org.jpo.config.Key;
import org.jpo.config.Reads;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The LoRA keys (Hu et al., arXiv:2106.09685) under PEFT's {@code LoraConfig} names and defaults, so a TRL user's
 * {@code peft_config} carries over: {@code lora_r: 0} trains every weight; {@code lora_r > 0} freezes them and trains
 * y = W·x + (α / r)·B·A·dropout(x) on the targeted linears.
 */
public record LoraConfig(
        @Key(value = "0", doc = "Adapter rank r; 0 = no adapters "
                + "(train every weight). With r > 0 only the adapters train, saved in PEFT layout (adapter_config.json + "
                + "adapter_model.safetensors).") int loraR,
        @Key(value = "16", doc = "α: the adapter output is scaled by α / r (PEFT's lora_alpha).") double loraAlpha,
        @Key(value = "0.0", doc = "Dropout on the adapter's input during training, in [0, 1) (PEFT's lora_dropout).") double loraDropout,
        @Key(doc = "Modules to adapt, as PEFT names them (Llama and its relatives: q_proj k_proj v_proj o_proj gate_proj up_proj "
                + "down_proj; Phi-3: qkv_proj o_proj gate_up_proj down_proj; GPT-2: c_attn c_proj c_fc), or all-linear; null = PEFT's "
                + "default for the family (Llama [q_proj, v_proj], Phi-3 [qkv_proj], GPT-2 [c_attn]).") List<String> loraTargetModules) implements Reads {

    public static final String ALL_LINEAR = "all-linear";
    public static final LoraConfig OFF = new LoraConfig(0, 16, 0.0, null);

    public LoraConfig {
        Check.atLeast("lora_r", loraR, 0);
        Check.positive("lora_alpha", loraAlpha);
        Check.within("lora_dropout", loraDropout, 0, 1, true);
        if (loraTargetModules != null) {
            if (loraTargetModules.isEmpty()) throw new ConfigError("lora_target_modules", "lora_target_modules is empty; name modules or write null");
            if (loraTargetModules.contains(ALL_LINEAR) && loraTargetModules.size() > 1) {
                throw new ConfigError("lora_target_modules", "lora_target_modules: all-linear stands alone, got " + loraTargetModules);
            }
            loraTargetModules = List.copyOf(loraTargetModules);
        }
    }

    public boolean enabled() { return loraR > 0; }

    /** Without adapters nothing reads their other keys. */
    @Override public String unread(String key) { return enabled() || key.equals("lora_r") ? null : "lora_r is 0 (no adapters)"; }

    /** α / r, the factor on B·A. */
    public double scaling() { return loraAlpha / loraR; }

    /** The module names of a model that can carry adapters (PEFT's all-linear: every linear but the output head). */
    public static List<String> modules(ModelConfig c) {
        if (c.family() == ModelConfig.Family.GPT2) return List.of("c_attn", "c_proj", "c_fc");
        if (c.variant().fused()) return List.of("qkv_proj", "o_proj", "gate_up_proj", "down_proj");   // Phi-3
        return List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");
    }

    /** PEFT's default targets (its TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING: llama, gpt2, phi3, ...). */
    static List<String> defaults(ModelConfig c) {
        if (c.family() == ModelConfig.Family.GPT2) return List.of("c_attn");
        if (c.variant().fused()) return List.of("qkv_proj");
        return List.of("q_proj", "v_proj");
    }

    /** The configured module names for {@code c}, checked: an unknown name is a ConfigError listing the valid ones. */
    public List<String> targets(ModelConfig c) {
        List<String> valid = modules(c);
        if (loraTargetModules == null) return defaults(c);
        if (loraTargetModules.equals(List.of(ALL_LINEAR))) return valid;
        for (String m : loraTargetModules) {
            if (!valid.contains(m)) {
                throw new ConfigError("lora_target_modules", "lora_target_modules: '" + m + "' is not a module of a "
                        + c.modelType() + " model; valid: " + String.join(", ", valid) + " (or all-linear)");
            }
        }
        return List.copyOf(new LinkedHashSet<>(loraTargetModules));
    }

    /**
     * The HF module paths (without {@code .weight}) the targets name in {@code c}, in parameter order: PEFT matches
     * a target against the last component of a module's path, so GPT-2's c_proj is both attn.c_proj and mlp.c_proj.
     */
    public List<String> modulePaths(ModelConfig c) {
        List<String> targets = targets(c);
        List<String> out = new ArrayList<>();
        for (String name : WeightNames.expected(c).keySet()) {
            if (!name.endsWith(".weight")) continue;
            String module = name.substring(0, name.length() - ".weight".length());
            String last = module.substring(module.lastIndexOf('.') + 1);
            if (targets.contains(last) && (module.contains(".layers.") || module.contains(".h."))) out.add(module);
        }
        return out;
    }
}
