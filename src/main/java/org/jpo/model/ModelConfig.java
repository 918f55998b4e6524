package org.jpo.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.UserError;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.OptionalInt;

/**
 * The shape of a decoder-only transformer, read from and written to HF {@code config.json}.
 *
 * @param family         LLAMA (RMSNorm, rotary, SwiGLU, GQA) or GPT2 (LayerNorm, learned positions, GELU)
 * @param modelType      {@code model_type} as the checkpoint spells it (llama, mistral, qwen2, gpt2, ...)
 * @param vocabSize      V
 * @param dim            D, the residual width
 * @param nLayers        number of blocks
 * @param nHeads         H, query heads
 * @param nKvHeads       key/value heads (GQA); equals nHeads for GPT-2
 * @param headDim        per-head width (usually D / H)
 * @param hiddenDim      MLP inner width
 * @param maxSeqLen      context window in tokens
 * @param normEps        RMSNorm / LayerNorm epsilon
 * @param ropeTheta      rotary base (Llama family)
 * @param ropeScaling    Llama 3 frequency scaling, or {@link RopeScaling#NONE}
 * @param tiedEmbeddings output projection shares the token embedding
 * @param qkvBias        q/k/v projections have biases (Qwen2, or Llama {@code attention_bias})
 * @param outBias        the attention output projection has a bias (Llama {@code attention_bias})
 * @param activation     MLP activation: silu (Llama), gelu_new / gelu_pytorch_tanh / gelu (GPT-2)
 * @param bosId          BOS token id if the config names one
 * @param eosId          EOS token id if the config names one
 * @param variant        where the Llama block of Qwen3, Gemma 2/3, Phi-3 or SmolLM3 departs from Llama's
 */
public record ModelConfig(Family family, String modelType, int vocabSize, int dim, int nLayers, int nHeads,
                          int nKvHeads, int headDim, int hiddenDim, int maxSeqLen, double normEps, double ropeTheta,
                          RopeScaling ropeScaling, boolean tiedEmbeddings, boolean qkvBias, boolean outBias,
                          String activation, OptionalInt bosId, OptionalInt eosId, Variant variant) {

    public enum Family { LLAMA, GPT2 }

    /**
     * Rotary frequency scaling: Llama 3.1's ({@code rope_type "llama3"}, by wavelength), linear position
     * interpolation ({@code "linear"}, every frequency divided by the factor; Gemma 3's global layers), or Phi-3's
     * {@code "longrope"}: each frequency divided by its {@code short_factor} and cos/sin multiplied by
     * √(1 + ln(factor) / ln(original_max_position_embeddings)). HF switches to {@code long_factor} once a sequence
     * passes {@code original_max_position_embeddings}; jpo runs longrope models up to that length only.
     */
    public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions,
                              List<Double> shortFactor, List<Double> longFactor) {
        public static final RopeScaling NONE = new RopeScaling("default", 1, 1, 1, 0, List.of(), List.of());

        public RopeScaling {
            shortFactor = List.copyOf(shortFactor);
            longFactor = List.copyOf(longFactor);
        }

        public static RopeScaling llama3(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {
            return new RopeScaling("llama3", factor, lowFreqFactor, highFreqFactor, originalMaxPositions, List.of(), List.of());
        }

        public static RopeScaling linear(double factor) { return new RopeScaling("linear", factor, 1, 1, 0, List.of(), List.of()); }

        public boolean enabled() { return !type.equals("default"); }

        /** What cos and sin are multiplied by: longrope's attention factor, else 1. */
        public double attentionFactor() {
            return type.equals("longrope") && factor > 1 ? Math.sqrt(1 + Math.log(factor) / Math.log(originalMaxPositions)) : 1;
        }
    }

    /**
     * What a family changes in the Llama block, per HF's modeling files. {@link #of} gives a model type's defaults.
     *
     * @param qkNorm         per-head RMSNorm of q and k before the rotation ({@code self_attn.q_norm}, {@code k_norm}):
     *                       Qwen3, Gemma 3
     * @param gemmaNorms     Gemma: RMSNorm scales by (1 + w), embeddings are multiplied by √D, and the attention and MLP
     *                       outputs are normalized too before each residual add ("sandwich" norms)
     * @param queryPreAttnScalar q·k is divided by its square root; 0 for head_dim (Gemma's {@code query_pre_attn_scalar})
     * @param attnSoftcap    attention scores become cap·tanh(s / cap); 0 for none ({@code attn_logit_softcapping})
     * @param logitSoftcap   the same on the output logits ({@code final_logit_softcapping})
     * @param slidingWindow  sliding layers attend to the keys less than this many positions back; 0 for none
     * @param sliding        per layer: true for a sliding-window layer ({@code layer_types})
     * @param localRopeTheta the rotary base of sliding layers, without scaling; 0 for {@code rope_theta} (Gemma 3's
     *                       {@code rope_local_base_freq})
     * @param rope           per layer: false for a layer without rotary embeddings (SmolLM3's {@code no_rope_layers})
     * @param rotaryDim      leading dimensions of each head that rotate (Phi-3's {@code partial_rotary_factor}·head_dim)
     * @param fused          q/k/v and gate/up stored as one matrix each ({@code qkv_proj}, {@code gate_up_proj}): Phi-3
     */
    public record Variant(boolean qkNorm, boolean gemmaNorms, double queryPreAttnScalar, double attnSoftcap, double logitSoftcap,
                          int slidingWindow, List<Boolean> sliding, double localRopeTheta, List<Boolean> rope, int rotaryDim,
                          boolean fused) {
        public Variant {
            sliding = List.copyOf(sliding);
            rope = List.copyOf(rope);
        }

        /** The plain block of {@code modelType} (Llama, Mistral, Qwen2; Qwen3 adds its q/k norms). */
        public static Variant of(String modelType, int nLayers, int headDim) {
            return new Variant(modelType.equals("qwen3"), false, 0, 0, 0, 0, Collections.nCopies(nLayers, false), 0,
                    Collections.nCopies(nLayers, true), headDim, false);
        }

        public boolean slides(int layer) { return slidingWindow > 0 && sliding.get(layer); }
    }

    /** A config whose {@link Variant} is its model type's default. */
    public ModelConfig(Family family, String modelType, int vocabSize, int dim, int nLayers, int nHeads, int nKvHeads,
                       int headDim, int hiddenDim, int maxSeqLen, double normEps, double ropeTheta, RopeScaling ropeScaling,
                       boolean tiedEmbeddings, boolean qkvBias, boolean outBias, String activation, OptionalInt bosId,
                       OptionalInt eosId) {
        this(family, modelType, vocabSize, dim, nLayers, nHeads, nKvHeads, headDim, hiddenDim, maxSeqLen, normEps, ropeTheta,
                ropeScaling, tiedEmbeddings, qkvBias, outBias, activation, bosId, eosId, Variant.of(modelType, nLayers, headDim));
    }

    public ModelConfig {
        positive("vocab_size", vocabSize);
        positive("hidden_size", dim);
        positive("num_hidden_layers", nLayers);
        positive("num_attention_heads", nHeads);
        positive("num_key_value_heads", nKvHeads);
        positive("head_dim", headDim);
        positive("intermediate_size", hiddenDim);
        positive("max_position_embeddings", maxSeqLen);
        if (nHeads % nKvHeads != 0) {
            throw new UserError("num_attention_heads (" + nHeads + ") must be a multiple of num_key_value_heads ("
                    + nKvHeads + ")");
        }
        if (family == Family.LLAMA && headDim % 2 != 0) throw new UserError("head_dim must be even for rotary, got " + headDim);
        if (family == Family.GPT2 && nHeads * headDim != dim) {
            throw new UserError("GPT-2: n_embd (" + dim + ") must be divisible by n_head (" + nHeads + ")");
        }
        if (variant.sliding().size() != nLayers || variant.rope().size() != nLayers) {
            throw new UserError("layer_types / no_rope_layers must list " + nLayers + " layers (num_hidden_layers), got "
                    + variant.sliding().size() + " / " + variant.rope().size());
        }
        if (ropeScaling.type().equals("longrope") && (ropeScaling.shortFactor().size() != variant.rotaryDim() / 2
                || ropeScaling.longFactor().size() != variant.rotaryDim() / 2)) {
            throw new UserError("rope_scaling: short_factor and long_factor must have rotary dimensions / 2 = " + variant.rotaryDim() / 2
                    + " entries, got " + ropeScaling.shortFactor().size() + " and " + ropeScaling.longFactor().size());
        }
        if (family == Family.LLAMA && (variant.rotaryDim() % 2 != 0 || variant.rotaryDim() <= 0 || variant.rotaryDim() > headDim)) {
            throw new UserError("partial_rotary_factor gives " + variant.rotaryDim() + " rotary dimensions of head_dim " + headDim
                    + "; expected an even number in (0, head_dim]");
        }
    }

    private static void positive(String field, int v) {
        if (v <= 0) throw new UserError("config field " + field + " must be positive, got " + v);
    }

    public int kvDim() { return nKvHeads * headDim; }

    /** The longest sequence jpo runs: the context window, or a longrope model's original one (see {@link RopeScaling}). */
    public int contextLimit() { return ropeScaling.type().equals("longrope") ? ropeScaling.originalMaxPositions() : maxSeqLen; }

    /** Per-head RMSNorm of q and k before the rotary embedding ({@code self_attn.q_norm}, {@code k_norm}): Qwen3, Gemma 3. */
    public boolean qkNorm() { return variant.qkNorm(); }

    public int qDim() { return nHeads * headDim; }

    /** The factor on q·k: 1/√head_dim, or Gemma's 1/√query_pre_attn_scalar. */
    public double attentionScale() {
        return 1 / Math.sqrt(variant.queryPreAttnScalar() > 0 ? variant.queryPreAttnScalar() : headDim);
    }

    /** A Llama-family config with the usual defaults (tied embeddings, no biases, theta 10000). */
    public static ModelConfig llama(int vocab, int dim, int layers, int heads, int kvHeads, int hidden, int maxSeqLen) {
        return new ModelConfig(Family.LLAMA, "llama", vocab, dim, layers, heads, kvHeads, dim / heads, hidden, maxSeqLen,
                1e-5, 10000, RopeScaling.NONE, true, false, false, "silu", OptionalInt.empty(), OptionalInt.empty());
    }

    /** A GPT-2 config (gelu_new, 4·D MLP, LayerNorm eps 1e-5, tied embeddings). */
    public static ModelConfig gpt2(int vocab, int dim, int layers, int heads, int maxSeqLen) {
        return new ModelConfig(Family.GPT2, "gpt2", vocab, dim, layers, heads, heads, dim / heads, 4 * dim, maxSeqLen,
                1e-5, 0, RopeScaling.NONE, true, true, true, "gelu_new", OptionalInt.empty(), OptionalInt.empty());
    }

    public ModelConfig withSpecialTokens(OptionalInt bos, OptionalInt eos) {
        return new ModelConfig(family, modelType, vocabSize, dim, nLayers, nHeads, nKvHeads, headDim, hiddenDim, maxSeqLen,
                normEps, ropeTheta, ropeScaling, tiedEmbeddings, qkvBias, outBias, activation, bos, eos, variant);
    }

    public ModelConfig withTiedEmbeddings(boolean tied) {
        return new ModelConfig(family, modelType, vocabSize, dim, nLayers, nHeads, nKvHeads, headDim, hiddenDim, maxSeqLen,
                normEps, ropeTheta, ropeScaling, tied, qkvBias, outBias, activation, bosId, eosId, variant);
    }

    // ---------------------------------------------------------------- config.json ({@link HfConfig})

    /** Reads {@code config.json}; a missing or ill-typed field is an error naming the file and the field. */
    public static ModelConfig read(Path file) { return HfConfig.read(file); }

    /** The HF {@code config.json} for this shape; {@link #read} gives back an equal record. */
    public ObjectNode toJson() { return HfConfig.toJson(this); }

    public void write(Path file) throws IOException { HfConfig.write(this, file); }
}
