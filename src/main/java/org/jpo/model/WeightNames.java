package org.jpo.model;

import org.bytedeco.pytorch.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The HuggingFace parameter names and shapes of each family, and the spellings checkpoints use for them. */
final class WeightNames {
    private WeightNames() {}

    /** Every parameter of a model with this config, in checkpoint order, with its shape. */
    static LinkedHashMap<String, long[]> expected(ModelConfig c) {
        LinkedHashMap<String, long[]> m = new LinkedHashMap<>();
        long d = c.dim(), v = c.vocabSize(), f = c.hiddenDim(), q = c.qDim(), kv = c.kvDim();
        if (c.family() == ModelConfig.Family.LLAMA) {
            m.put("model.embed_tokens.weight", new long[] {v, d});
            for (int l = 0; l < c.nLayers(); l++) {
                String p = "model.layers." + l + ".";
                ModelConfig.Variant var = c.variant();
                m.put(p + "input_layernorm.weight", new long[] {d});
                if (var.fused()) {   // Phi-3: q, k, v stacked in one matrix
                    m.put(p + "self_attn.qkv_proj.weight", new long[] {q + 2 * kv, d});
                } else {
                    m.put(p + "self_attn.q_proj.weight", new long[] {q, d});
                    if (c.qkvBias()) m.put(p + "self_attn.q_proj.bias", new long[] {q});
                    m.put(p + "self_attn.k_proj.weight", new long[] {kv, d});
                    if (c.qkvBias()) m.put(p + "self_attn.k_proj.bias", new long[] {kv});
                    m.put(p + "self_attn.v_proj.weight", new long[] {kv, d});
                    if (c.qkvBias()) m.put(p + "self_attn.v_proj.bias", new long[] {kv});
                }
                if (c.qkNorm()) {
                    m.put(p + "self_attn.q_norm.weight", new long[] {c.headDim()});
                    m.put(p + "self_attn.k_norm.weight", new long[] {c.headDim()});
                }
                m.put(p + "self_attn.o_proj.weight", new long[] {d, q});
                if (c.outBias()) m.put(p + "self_attn.o_proj.bias", new long[] {d});
                m.put(p + "post_attention_layernorm.weight", new long[] {d});
                if (var.gemmaNorms()) {   // Gemma's sandwich: the MLP's input and output are normalized too
                    m.put(p + "pre_feedforward_layernorm.weight", new long[] {d});
                    m.put(p + "post_feedforward_layernorm.weight", new long[] {d});
                }
                if (var.fused()) {   // Phi-3: gate and up stacked in one matrix
                    m.put(p + "mlp.gate_up_proj.weight", new long[] {2 * f, d});
                } else {
                    m.put(p + "mlp.gate_proj.weight", new long[] {f, d});
                    m.put(p + "mlp.up_proj.weight", new long[] {f, d});
                }
                m.put(p + "mlp.down_proj.weight", new long[] {d, f});
            }
            m.put("model.norm.weight", new long[] {d});
        } else {
            m.put("transformer.wte.weight", new long[] {v, d});
            m.put("transformer.wpe.weight", new long[] {c.maxSeqLen(), d});
            for (int l = 0; l < c.nLayers(); l++) {
                String p = "transformer.h." + l + ".";
                m.put(p + "ln_1.weight", new long[] {d});
                m.put(p + "ln_1.bias", new long[] {d});
                m.put(p + "attn.c_attn.weight", new long[] {d, 3 * d});
                m.put(p + "attn.c_attn.bias", new long[] {3 * d});
                m.put(p + "attn.c_proj.weight", new long[] {d, d});
                m.put(p + "attn.c_proj.bias", new long[] {d});
                m.put(p + "ln_2.weight", new long[] {d});
                m.put(p + "ln_2.bias", new long[] {d});
                m.put(p + "mlp.c_fc.weight", new long[] {d, f});
                m.put(p + "mlp.c_fc.bias", new long[] {f});
                m.put(p + "mlp.c_proj.weight", new long[] {f, d});
                m.put(p + "mlp.c_proj.bias", new long[] {d});
            }
            m.put("transformer.ln_f.weight", new long[] {d});
            m.put("transformer.ln_f.bias", new long[] {d});
        }
        if (!c.tiedEmbeddings()) m.put("lm_head.weight", new long[] {v, d});
        return m;
    }

    /**
     * A Gemma 3 image-and-text checkpoint's language model under the names of a text-only one: it sits under
     * {@code language_model.model.} (transformers 4.5x) or {@code model.language_model.} (5.x). Null for the vision
     * tower and the projector, which jpo leaves out.
     */
    private static String languageModel(String name) {
        for (String vision : List.of("vision_tower.", "multi_modal_projector.", "model.vision_tower.", "model.multi_modal_projector.")) {
            if (name.startsWith(vision)) return null;
        }
        if (name.startsWith("language_model.model.")) return "model." + name.substring("language_model.model.".length());
        if (name.startsWith("model.language_model.")) return "model." + name.substring("model.language_model.".length());
        if (name.equals("language_model.lm_head.weight")) return "lm_head.weight";
        return name;
    }

    /**
     * Maps the names a published checkpoint uses onto {@link #expected}: GPT-2's original files lack the
     * {@code transformer.} prefix; non-parameter buffers (GPT-2 {@code attn.bias}/{@code attn.masked_bias}
     * causal masks, old Llama {@code rotary_emb.inv_freq}) and a tied {@code lm_head.weight} copy are dropped.
     */
    static LinkedHashMap<String, Tensor> normalize(ModelConfig c, Map<String, Tensor> raw) {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        for (var e : raw.entrySet()) {
            String name = languageModel(e.getKey());
            if (name == null) continue;
            if (name.endsWith(".attn.bias") || name.endsWith(".attn.masked_bias") || name.endsWith("rotary_emb.inv_freq")) continue;
            if (name.equals("lm_head.weight") && c.tiedEmbeddings()) continue;
            if (c.family() == ModelConfig.Family.GPT2 && !name.startsWith("transformer.") && !name.equals("lm_head.weight")) {
                name = "transformer." + name;
            }
            out.put(name, e.getValue());
        }
        return out;
    }
}
