package org.jpo.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.UserError;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
 */
public record ModelConfig(Family family, String modelType, int vocabSize, int dim, int nLayers, int nHeads,
                          int nKvHeads, int headDim, int hiddenDim, int maxSeqLen, double normEps, double ropeTheta,
                          RopeScaling ropeScaling, boolean tiedEmbeddings, boolean qkvBias, boolean outBias,
                          String activation, OptionalInt bosId, OptionalInt eosId) {

    public enum Family { LLAMA, GPT2 }

    /** Llama 3.1 style rotary frequency scaling ({@code rope_scaling.rope_type = "llama3"}). */
    public record RopeScaling(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {
        public static final RopeScaling NONE = new RopeScaling(1, 1, 1, 0);

        public boolean enabled() { return originalMaxPositions > 0; }
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
    }

    private static void positive(String field, int v) {
        if (v <= 0) throw new UserError("config field " + field + " must be positive, got " + v);
    }

    public int kvDim() { return nKvHeads * headDim; }

    /** Qwen3's per-head RMSNorm of q and k before the rotary embedding ({@code self_attn.q_norm}, {@code k_norm}). */
    public boolean qkNorm() { return modelType.equals("qwen3"); }

    public int qDim() { return nHeads * headDim; }

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
                normEps, ropeTheta, ropeScaling, tiedEmbeddings, qkvBias, outBias, activation, bos, eos);
    }

    // ---------------------------------------------------------------- config.json

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads {@code config.json}; a missing or ill-typed field is an error naming the file and the field. */
    public static ModelConfig read(Path file) {
        JsonNode n;
        try {
            n = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UserError(file + ": not readable JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
        if (n == null || !n.isObject()) throw new UserError(file + ": expected a JSON object");
        Fields f = new Fields(n, file);
        String type = f.str("model_type");
        return switch (type) {
            case "gpt2" -> gpt2From(f, type);
            case "llama", "mistral", "qwen2", "qwen3", "smollm", "tinyllama" -> llamaFrom(f, type);
            default -> throw new UserError(file + ": model_type '" + type
                    + "' is not supported (supported: llama, mistral, qwen2, qwen3, gpt2)");
        };
    }

    private static ModelConfig llamaFrom(Fields f, String type) {
        int dim = f.integer("hidden_size"), heads = f.integer("num_attention_heads");
        boolean attnBias = f.bool("attention_bias", false);
        boolean qwen = type.equals("qwen2");
        String act = f.str("hidden_act", "silu");
        if (!act.equals("silu")) throw f.error("hidden_act", "'silu' for the Llama family, got '" + act + "'");
        if (f.bool("use_sliding_window", false)) throw f.error("use_sliding_window", "false (sliding-window attention is not supported yet)");
        return new ModelConfig(Family.LLAMA, type, f.integer("vocab_size"), dim, f.integer("num_hidden_layers"), heads,
                f.integer("num_key_value_heads", heads), f.integer("head_dim", heads > 0 ? dim / heads : 0),
                f.integer("intermediate_size"), f.integer("max_position_embeddings"), f.num("rms_norm_eps", 1e-6),
                f.num("rope_theta", 10000), ropeScaling(f), f.bool("tie_word_embeddings", false),
                attnBias || qwen, attnBias, act, f.optInt("bos_token_id"), f.optInt("eos_token_id"));
    }

    private static RopeScaling ropeScaling(Fields f) {
        JsonNode rs = f.node.get("rope_scaling");
        if (rs == null || rs.isNull()) return RopeScaling.NONE;
        Fields s = new Fields(rs, f.file);
        String kind = rs.has("rope_type") ? s.str("rope_type") : s.str("type");
        if (!kind.equals("llama3") && !kind.equals("default")) {
            throw f.error("rope_scaling.rope_type", "'llama3' or 'default' (others are not supported yet), got '" + kind + "'");
        }
        if (kind.equals("default")) return RopeScaling.NONE;
        return new RopeScaling(s.num("factor", 8), s.num("low_freq_factor", 1), s.num("high_freq_factor", 4),
                s.integer("original_max_position_embeddings"));
    }

    private static ModelConfig gpt2From(Fields f, String type) {
        int dim = f.integer("n_embd"), heads = f.integer("n_head");
        String act = f.str("activation_function", "gelu_new");
        if (!act.equals("gelu_new") && !act.equals("gelu_pytorch_tanh") && !act.equals("gelu")) {
            throw f.error("activation_function", "gelu_new, gelu_pytorch_tanh or gelu, got '" + act + "'");
        }
        JsonNode inner = f.node.get("n_inner");
        int hidden = inner == null || inner.isNull() ? 4 * dim : f.integer("n_inner");
        return new ModelConfig(Family.GPT2, type, f.integer("vocab_size"), dim, f.integer("n_layer"), heads, heads,
                heads > 0 ? dim / heads : 0, hidden, f.integer("n_positions"), f.num("layer_norm_epsilon", 1e-5), 0,
                RopeScaling.NONE, f.bool("tie_word_embeddings", true), true, true, act, f.optInt("bos_token_id"),
                f.optInt("eos_token_id"));
    }

    /** The HF {@code config.json} for this shape; {@link #read} gives back an equal record. */
    public ObjectNode toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("model_type", modelType);
        if (family == Family.GPT2) {
            n.putArray("architectures").add("GPT2LMHeadModel");
            n.put("vocab_size", vocabSize).put("n_embd", dim).put("n_layer", nLayers).put("n_head", nHeads)
                    .put("n_positions", maxSeqLen).put("layer_norm_epsilon", normEps).put("activation_function", activation)
                    .put("tie_word_embeddings", tiedEmbeddings);
            if (hiddenDim != 4 * dim) n.put("n_inner", hiddenDim);
        } else {
            n.putArray("architectures").add(switch (modelType) {
                case "qwen2" -> "Qwen2ForCausalLM";
                case "qwen3" -> "Qwen3ForCausalLM";
                default -> "LlamaForCausalLM";
            });
            n.put("vocab_size", vocabSize).put("hidden_size", dim).put("intermediate_size", hiddenDim)
                    .put("num_hidden_layers", nLayers).put("num_attention_heads", nHeads)
                    .put("num_key_value_heads", nKvHeads).put("head_dim", headDim)
                    .put("max_position_embeddings", maxSeqLen).put("rms_norm_eps", normEps).put("rope_theta", ropeTheta)
                    .put("tie_word_embeddings", tiedEmbeddings).put("hidden_act", activation);
            if (!modelType.equals("qwen2")) n.put("attention_bias", outBias);
            if (modelType.equals("qwen3")) n.put("use_sliding_window", false);
            if (ropeScaling.enabled()) {
                n.putObject("rope_scaling").put("rope_type", "llama3").put("factor", ropeScaling.factor())
                        .put("low_freq_factor", ropeScaling.lowFreqFactor()).put("high_freq_factor", ropeScaling.highFreqFactor())
                        .put("original_max_position_embeddings", ropeScaling.originalMaxPositions());
            }
        }
        bosId.ifPresent(id -> n.put("bos_token_id", id));
        eosId.ifPresent(id -> n.put("eos_token_id", id));
        n.put("torch_dtype", "float32");
        return n;
    }

    public void write(Path file) throws IOException {
        Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(toJson()) + "\n");
    }

    /** Typed field access that names the file and field on error. */
    private record Fields(JsonNode node, Path file) {
        UserError error(String field, String expected) {
            return new UserError(file + ": field '" + field + "': expected " + expected);
        }

        JsonNode need(String field) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) throw new UserError(file + ": missing required field '" + field + "'");
            return v;
        }

        int integer(String field) {
            JsonNode v = need(field);
            if (!v.canConvertToInt() || !v.isIntegralNumber()) throw error(field, "an integer, got " + v);
            return v.intValue();
        }

        int integer(String field, int dflt) { return node.hasNonNull(field) ? integer(field) : dflt; }

        OptionalInt optInt(String field) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) return OptionalInt.empty();
            if (v.isArray() && !v.isEmpty()) v = v.get(0);   // some configs list several EOS ids; the first is canonical
            if (!v.isIntegralNumber()) throw error(field, "an integer, got " + v);
            return OptionalInt.of(v.intValue());
        }

        double num(String field, double dflt) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) return dflt;
            if (!v.isNumber()) throw error(field, "a number, got " + v);
            return v.doubleValue();
        }

        boolean bool(String field, boolean dflt) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) return dflt;
            if (!v.isBoolean()) throw error(field, "true or false, got " + v);
            return v.booleanValue();
        }

        String str(String field) {
            JsonNode v = need(field);
            if (!v.isTextual()) throw error(field, "a string, got " + v);
            return v.textValue();
        }

        String str(String field, String dflt) { return node.hasNonNull(field) ? str(field) : dflt; }
    }
}
