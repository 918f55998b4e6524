package org.jpo.model;

import org.bytedeco.pytorch.Tensor;
import org.jpo.io.Llama2cWeights;

import java.util.LinkedHashMap;
import java.util.OptionalInt;

/**
 * llama2.c weights → our (HF) names and layouts. llama2.c rotates adjacent pairs (2i, 2i+1) of each head
 * (Meta's layout); HF rotates i with i + hd/2. The q and k projections' rows are permuted so the HF
 * layout computes the same function (HF {@code convert_llama_weights_to_hf.py} does the same).
 */
final class Llama2cImport {
    private Llama2cImport() {}

    /** BOS and EOS of every llama2.c tokenizer. */
    static final int BOS = 1, EOS = 2;

    static ModelConfig config(Llama2cWeights.Header h) {
        ModelConfig c = ModelConfig.llama(h.vocabSize(), h.dim(), h.nLayers(), h.nHeads(), h.nKvHeads(), h.hiddenDim(), h.seqLen());
        if (!h.sharedClassifier()) c = c.withTiedEmbeddings(false);
        return c.withSpecialTokens(OptionalInt.of(BOS), OptionalInt.of(EOS));
    }

    /** HF-named weights; the caller's scope owns the temporaries. */
    static LinkedHashMap<String, Tensor> weights(ModelConfig c, Llama2cWeights w) {
        var t = w.tensors();
        LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
        m.put("model.embed_tokens.weight", t.get("tok_embeddings"));
        for (int l = 0; l < c.nLayers(); l++) {
            String p = "model.layers." + l + ".";
            m.put(p + "input_layernorm.weight", t.get("rms_att").select(0, l));
            m.put(p + "self_attn.q_proj.weight", toHalfRotation(t.get("wq").select(0, l), c.nHeads()));
            m.put(p + "self_attn.k_proj.weight", toHalfRotation(t.get("wk").select(0, l), c.nKvHeads()));
            m.put(p + "self_attn.v_proj.weight", t.get("wv").select(0, l));
            m.put(p + "self_attn.o_proj.weight", t.get("wo").select(0, l));
            m.put(p + "post_attention_layernorm.weight", t.get("rms_ffn").select(0, l));
            m.put(p + "mlp.gate_proj.weight", t.get("w1").select(0, l));
            m.put(p + "mlp.down_proj.weight", t.get("w2").select(0, l));
            m.put(p + "mlp.up_proj.weight", t.get("w3").select(0, l));
        }
        m.put("model.norm.weight", t.get("rms_final"));
        if (!c.tiedEmbeddings()) m.put("lm_head.weight", t.get("wcls"));
        m.replaceAll((k, v) -> v.contiguous());
        return m;
    }

    /** Rows of a q/k projection [heads·hd, D] from interleaved pairs to halves: view(h, hd/2, 2, D).transpose(1, 2). */
    static Tensor toHalfRotation(Tensor w, int heads) {
        long rows = w.size(0), cols = w.size(1);
        return w.view(heads, rows / heads / 2, 2, cols).transpose(1, 2).reshape(rows, cols);   // [heads·hd, D]
    }
}
