package org.jpo.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.UserError;
import org.jpo.model.ModelConfig.Family;
import org.jpo.model.ModelConfig.RopeScaling;
import org.jpo.model.ModelConfig.Variant;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.OptionalInt;

/**
 * A {@link ModelConfig} as HF's {@code config.json} spells it, per family: the keys each family's config class reads,
 * with that class's defaults when absent, both spellings of the rotary keys (4.x's and transformers 5's
 * {@code rope_parameters}), and refusals naming the file and the key.
 */
final class HfConfig {
    private HfConfig() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads {@code config.json}; a missing or ill-typed field is an error naming the file and the field. */
    static ModelConfig read(Path file) {
        JsonNode n;
        try {
            n = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UserError(file + ": not readable JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
        if (n == null || !n.isObject()) throw new UserError(file + ": expected a JSON object");
        Fields f = new Fields(n, file);
        String type = f.str("model_type");
        try {
            return switch (type) {
                case "gpt2" -> gpt2From(f, type);
                case "llama", "mistral", "qwen2", "qwen3", "smollm", "tinyllama", "smollm3", "gemma2", "gemma3_text", "phi3" ->
                        llamaFrom(f, type);
                case "gemma3" -> gemma3LanguageModel(f);
                default -> throw new UserError(file + ": model_type '" + type + "' is not supported (supported: " + SUPPORTED + ")");
            };
        } catch (UserError e) {   // the record's own checks do not know the file
            throw e.getMessage().startsWith(file.toString()) ? e : new UserError(file + ": " + e.getMessage());
        }
    }

    static final String SUPPORTED = "llama, mistral, qwen2, qwen3, gemma2, gemma3_text, gemma3 (its language model), phi3, smollm3, gpt2";

    /**
     * Gemma 3's image-and-text checkpoints (4B and up): the language model its {@code text_config} describes, a
     * gemma3_text model. Those configs list only what differs from Gemma3TextConfig's defaults, which fill the rest;
     * the checkpoint's own special tokens stand when the text config has none.
     */
    private static ModelConfig gemma3LanguageModel(Fields f) {
        Fields text = f.within("text_config", f.node.get("text_config"));
        ObjectNode t = ((ObjectNode) text.node).deepCopy();
        t.put("model_type", "gemma3_text");
        java.util.Map.of("vocab_size", 262_208, "hidden_size", 2304, "intermediate_size", 9216, "num_hidden_layers", 26,
                "num_attention_heads", 8, "num_key_value_heads", 4, "max_position_embeddings", 131_072)
                .forEach((key, value) -> { if (!t.hasNonNull(key)) t.put(key, value); });
        for (String key : List.of("bos_token_id", "eos_token_id")) if (!t.hasNonNull(key) && f.node.hasNonNull(key)) t.set(key, f.node.get(key));
        if (!t.hasNonNull("bos_token_id")) t.put("bos_token_id", 2);
        if (!t.hasNonNull("eos_token_id")) t.put("eos_token_id", 1);
        return llamaFrom(new Fields(t, f.file, "text_config."), "gemma3_text");
    }

    /**
     * The Llama family and its relatives. Keys a family's HF config class reads get that class's defaults when absent
     * (configuration_gemma2.py, configuration_gemma3.py, configuration_phi3.py, configuration_smollm3.py).
     */
    private static ModelConfig llamaFrom(Fields f, String type) {
        boolean gemma = type.startsWith("gemma"), gemma3 = type.equals("gemma3_text"), phi3 = type.equals("phi3");
        int vocab = f.integer("vocab_size"), dim = f.integer("hidden_size"), heads = f.integer("num_attention_heads");
        int layers = f.integer("num_hidden_layers");
        int headDim = f.integer("head_dim", gemma ? 256 : heads > 0 ? dim / heads : 0);   // Gemma's default is 256
        boolean attnBias = f.bool("attention_bias", false);
        if (phi3 && attnBias) throw f.error("attention_bias", "false for phi3 (its projections have no biases)");
        if (f.bool("mlp_bias", false)) throw f.error("mlp_bias", "false (MLP biases are not supported)");
        if (f.bool("use_bidirectional_attention", false)) throw f.error("use_bidirectional_attention", "false (only causal attention)");
        String act = gemma ? f.str("hidden_activation", "gelu_pytorch_tanh") : f.str("hidden_act", "silu");   // Gemma ignores hidden_act
        String wanted = gemma ? "gelu_pytorch_tanh" : "silu";
        if (!act.equals(wanted)) throw f.error(gemma ? "hidden_activation" : "hidden_act", "'" + wanted + "' for " + type + ", got '" + act + "'");
        // transformers 5 writes rope_theta and rope_scaling's keys (and Phi-3's partial_rotary_factor) together in
        // rope_parameters, one dict per layer type for Gemma 3; 4.x writes them at the top level
        JsonNode rp = f.node.get("rope_parameters");
        boolean v5 = rp != null && !rp.isNull();
        String rpName = gemma3 ? "rope_parameters.full_attention" : "rope_parameters";
        Fields ropeKeys = v5 ? f.within(rpName, gemma3 ? rp.get("full_attention") : rp) : f;
        double theta = ropeKeys.node.has("rope_theta") ? ropeKeys.num("rope_theta", 0) : f.num("rope_theta", gemma3 ? 1e6 : 10000);
        RopeScaling scaling = ropeScaling(f, v5 ? ropeKeys.node : f.node.get("rope_scaling"), v5 ? rpName : "rope_scaling");
        double localTheta = 0;
        if (gemma3) {
            Fields local = v5 ? f.within("rope_parameters.sliding_attention", rp.get("sliding_attention")) : f;
            localTheta = local.num(v5 ? "rope_theta" : "rope_local_base_freq", 10000);
            if (v5 && !local.str("rope_type", "default").equals("default")) {
                throw f.error("rope_parameters.sliding_attention.rope_type", "'default' (Gemma 3's sliding layers are never scaled)");
            }
        }
        Variant plain = Variant.of(type, layers, headDim);
        Variant variant = switch (type) {
            case "gemma2", "gemma3_text" -> {
                int window = f.integer("sliding_window", 4096);
                List<Boolean> sliding = layerTypes(f, layers, i -> gemma3 ? (i + 1) % f.integer("sliding_window_pattern", 6) != 0 : i % 2 == 0);
                // Gemma 3's attention never passes attn_logit_softcapping on: it has no effect there, whatever its value
                yield new Variant(gemma3, true, f.num("query_pre_attn_scalar", 256),
                        gemma3 ? 0 : f.cap("attn_logit_softcapping", 50), f.cap("final_logit_softcapping", gemma3 ? 0 : 30),
                        window, sliding, localTheta, plain.rope(), headDim, false);
            }
            case "phi3" -> {
                int window = f.integer("sliding_window", 0);
                double partial = ropeKeys.node.has("partial_rotary_factor") ? ropeKeys.num("partial_rotary_factor", 1)
                        : f.num("partial_rotary_factor", 1.0);
                yield new Variant(false, false, 0, 0, 0, window, Collections.nCopies(layers, window > 0), 0, plain.rope(),
                        (int) (headDim * partial), true);
            }
            case "smollm3" -> {   // only its no-RoPE layers slide, and only with use_sliding_window and a window
                int interval = f.integer("no_rope_layer_interval", 4);
                List<Boolean> rope = perLayer(f, "no_rope_layers", layers, i -> (i + 1) % interval != 0);
                int window = f.bool("use_sliding_window", false) ? f.integer("sliding_window", 0) : 0;
                List<Boolean> sliding = window > 0 ? layerTypes(f, layers, i -> !rope.get(i)) : plain.sliding();
                yield new Variant(false, false, 0, 0, 0, window, sliding, 0, rope, headDim, false);
            }
            case "mistral" -> {   // Mistral's sliding_window applies to every layer (v0.1: 4096; later versions null)
                int window = f.integer("sliding_window", 0);
                yield new Variant(false, false, 0, 0, 0, window, Collections.nCopies(layers, window > 0), 0, plain.rope(), headDim, false);
            }
            case "qwen2", "qwen3" -> {   // with use_sliding_window, the layers from max_window_layers on slide
                int window = f.bool("use_sliding_window", false) ? f.integer("sliding_window", 0) : 0;
                if (window == 0) yield plain;
                int full = f.integer("max_window_layers", 28);
                yield new Variant(plain.qkNorm(), false, 0, 0, 0, window, layerTypes(f, layers, i -> i >= full), 0, plain.rope(),
                        headDim, false);
            }
            default -> plain;
        };
        if (gemma3 && scaling.enabled() && !scaling.type().equals("linear")) {
            throw f.error("rope_scaling.rope_type", "'linear' or 'default' for gemma3_text, got '" + scaling.type() + "'");
        }
        return new ModelConfig(Family.LLAMA, type, vocab, dim, layers, heads,
                f.integer("num_key_value_heads", heads), headDim, f.integer("intermediate_size"),
                f.integer("max_position_embeddings"), f.num("rms_norm_eps", phi3 ? 1e-5 : 1e-6), theta, scaling,
                f.bool("tie_word_embeddings", gemma || type.equals("smollm3")), attnBias || type.equals("qwen2"), attnBias,
                act, f.optInt("bos_token_id"), f.optInt("eos_token_id"), variant);
    }

    /** {@code layer_types} as sliding (true) or full (false) per layer, or {@code dflt} per layer index when absent. */
    private static List<Boolean> layerTypes(Fields f, int layers, java.util.function.IntPredicate dflt) {
        JsonNode types = f.node.get("layer_types");
        List<Boolean> out = new java.util.ArrayList<>();
        if (types == null || types.isNull()) {
            for (int i = 0; i < layers; i++) out.add(dflt.test(i));
            return out;
        }
        if (!types.isArray() || types.size() != layers) throw f.error("layer_types", "a list of " + layers + " layer types, got " + types);
        for (JsonNode t : types) {
            String kind = t.asText();
            if (!kind.equals("sliding_attention") && !kind.equals("full_attention")) {
                throw f.error("layer_types", "'sliding_attention' or 'full_attention' per layer, got " + t);
            }
            out.add(kind.equals("sliding_attention"));
        }
        return out;
    }

    /** A per-layer 0/1 list such as {@code no_rope_layers} (1 = true), or {@code dflt} per layer index when absent. */
    private static List<Boolean> perLayer(Fields f, String field, int layers, java.util.function.IntPredicate dflt) {
        JsonNode list = f.node.get(field);
        List<Boolean> out = new java.util.ArrayList<>();
        if (list == null || list.isNull()) {
            for (int i = 0; i < layers; i++) out.add(dflt.test(i));
            return out;
        }
        if (!list.isArray() || list.size() != layers) throw f.error(field, "a list of " + layers + " zeros and ones, got " + list);
        for (JsonNode v : list) {
            if (!v.isIntegralNumber() || (v.intValue() != 0 && v.intValue() != 1)) throw f.error(field, "0 or 1 per layer, got " + v);
            out.add(v.intValue() == 1);
        }
        return out;
    }

    /** The scaling {@code rs} describes: config.json's {@code rope_scaling}, or transformers 5's {@code rope_parameters}. */
    private static RopeScaling ropeScaling(Fields f, JsonNode rs, String name) {
        if (rs == null || rs.isNull()) return RopeScaling.NONE;
        Fields s = f.within(name, rs);
        String kind = rs.has("rope_type") ? s.str("rope_type") : s.str("type", "default");
        return switch (kind) {
            case "default" -> RopeScaling.NONE;
            case "llama3" -> RopeScaling.llama3(s.num("factor", 8), s.num("low_freq_factor", 1), s.num("high_freq_factor", 4),
                    s.integer("original_max_position_embeddings"));
            case "linear" -> RopeScaling.linear(s.num("factor", 1));
            case "longrope", "su" -> {   // Phi3Config renames su to longrope
                if (!f.str("model_type").equals("phi3")) throw f.error(name + ".rope_type", "'longrope' only for phi3 models");
                int original = rs.has("original_max_position_embeddings") ? s.integer("original_max_position_embeddings")
                        : f.integer("original_max_position_embeddings");
                // HF's _compute_longrope_parameters: factor = max_position_embeddings / original unless given
                double factor = s.num("factor", (double) f.integer("max_position_embeddings") / original);
                if (rs.hasNonNull("attention_factor")) throw f.error(name + ".attention_factor", "absent (only the derived attention factor is supported)");
                yield new RopeScaling("longrope", factor, 1, 1, original, factors(f, s, "short_factor"), factors(f, s, "long_factor"));
            }
            default -> throw f.error(name + ".rope_type", "'llama3', 'linear', 'longrope' or 'default' (others are not supported yet), got '" + kind + "'");
        };
    }

    private static List<Double> factors(Fields f, Fields s, String field) {
        JsonNode list = s.need(field);
        List<Double> out = new java.util.ArrayList<>();
        if (!list.isArray()) throw s.error(field, "a list of numbers, got " + list);
        for (JsonNode v : list) {
            if (!v.isNumber() || v.doubleValue() <= 0) throw s.error(field, "positive numbers, got " + v);
            out.add(v.doubleValue());
        }
        return out;
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

    /** The HF {@code config.json} for {@code c}; {@link #read} gives back an equal record. */
    static ObjectNode toJson(ModelConfig c) {
        ObjectNode n = JSON.createObjectNode();
        n.put("model_type", c.modelType());
        if (c.family() == Family.GPT2) {
            n.putArray("architectures").add("GPT2LMHeadModel");
            n.put("vocab_size", c.vocabSize()).put("n_embd", c.dim()).put("n_layer", c.nLayers()).put("n_head", c.nHeads())
                    .put("n_positions", c.maxSeqLen()).put("layer_norm_epsilon", c.normEps()).put("activation_function", c.activation())
                    .put("tie_word_embeddings", c.tiedEmbeddings());
            if (c.hiddenDim() != 4 * c.dim()) n.put("n_inner", c.hiddenDim());
        } else {
            n.putArray("architectures").add(switch (c.modelType()) {
                case "qwen2" -> "Qwen2ForCausalLM";
                case "qwen3" -> "Qwen3ForCausalLM";
                case "mistral" -> "MistralForCausalLM";
                case "gemma2" -> "Gemma2ForCausalLM";
                case "gemma3_text" -> "Gemma3ForCausalLM";
                case "phi3" -> "Phi3ForCausalLM";
                case "smollm3" -> "SmolLM3ForCausalLM";
                default -> "LlamaForCausalLM";
            });
            n.put("vocab_size", c.vocabSize()).put("hidden_size", c.dim()).put("intermediate_size", c.hiddenDim())
                    .put("num_hidden_layers", c.nLayers()).put("num_attention_heads", c.nHeads())
                    .put("num_key_value_heads", c.nKvHeads()).put("head_dim", c.headDim())
                    .put("max_position_embeddings", c.maxSeqLen()).put("rms_norm_eps", c.normEps()).put("rope_theta", c.ropeTheta())
                    .put("tie_word_embeddings", c.tiedEmbeddings()).put(c.variant().gemmaNorms() ? "hidden_activation" : "hidden_act", c.activation());
            if (!c.modelType().equals("qwen2")) n.put("attention_bias", c.outBias());
            switch (c.modelType()) {
                case "qwen2", "qwen3", "smollm3" -> {
                    n.put("use_sliding_window", c.variant().slidingWindow() > 0);
                    n.put("sliding_window", c.variant().slidingWindow() > 0 ? c.variant().slidingWindow() : null);
                    if (c.variant().slidingWindow() > 0) {
                        var types = n.putArray("layer_types");
                        c.variant().sliding().forEach(s -> types.add(s ? "sliding_attention" : "full_attention"));
                    }
                    if (c.modelType().equals("smollm3")) {
                        var rope = n.putArray("no_rope_layers");
                        c.variant().rope().forEach(r -> rope.add(r ? 1 : 0));
                    }
                }
                case "mistral" -> n.put("sliding_window", c.variant().slidingWindow() > 0 ? c.variant().slidingWindow() : null);
                case "gemma2", "gemma3_text" -> {
                    n.put("query_pre_attn_scalar", c.variant().queryPreAttnScalar());
                    n.put("sliding_window", c.variant().slidingWindow());
                    var types = n.putArray("layer_types");
                    c.variant().sliding().forEach(s -> types.add(s ? "sliding_attention" : "full_attention"));
                    n.put("attn_logit_softcapping", c.variant().attnSoftcap() > 0 ? c.variant().attnSoftcap() : null);
                    n.put("final_logit_softcapping", c.variant().logitSoftcap() > 0 ? c.variant().logitSoftcap() : null);
                    if (c.modelType().equals("gemma3_text")) n.put("rope_local_base_freq", c.variant().localRopeTheta());
                }
                case "phi3" -> {
                    n.put("partial_rotary_factor", (double) c.variant().rotaryDim() / c.headDim());
                    n.put("sliding_window", c.variant().slidingWindow() > 0 ? c.variant().slidingWindow() : null);
                    n.put("original_max_position_embeddings", c.maxSeqLen());
                }
                default -> { }
            }
            switch (c.ropeScaling().type()) {
                case "llama3" -> n.putObject("rope_scaling").put("rope_type", "llama3").put("factor", c.ropeScaling().factor())
                        .put("low_freq_factor", c.ropeScaling().lowFreqFactor()).put("high_freq_factor", c.ropeScaling().highFreqFactor())
                        .put("original_max_position_embeddings", c.ropeScaling().originalMaxPositions());
                case "linear" -> n.putObject("rope_scaling").put("rope_type", "linear").put("factor", c.ropeScaling().factor());
                case "longrope" -> {
                    var rs = n.putObject("rope_scaling").put("type", "longrope");
                    if (c.ropeScaling().factor() != (double) c.maxSeqLen() / c.ropeScaling().originalMaxPositions()) rs.put("factor", c.ropeScaling().factor());
                    c.ropeScaling().shortFactor().forEach(rs.putArray("short_factor")::add);
                    c.ropeScaling().longFactor().forEach(rs.putArray("long_factor")::add);
                    n.put("original_max_position_embeddings", c.ropeScaling().originalMaxPositions());
                }
                default -> n.putNull("rope_scaling");
            }
        }
        c.bosId().ifPresent(id -> n.put("bos_token_id", id));
        c.eosId().ifPresent(id -> n.put("eos_token_id", id));
        n.put("torch_dtype", "float32");
        return n;
    }

    static void write(ModelConfig c, Path file) throws IOException {
        Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(toJson(c)) + "\n");
    }

    /** Typed field access that names the file and field (after {@code prefix}, for a nested object) on error. */
    private record Fields(JsonNode node, Path file, String prefix) {
        Fields(JsonNode node, Path file) { this(node, file, ""); }

        /** The object {@code value} at {@code path}, its errors naming their fields under it. */
        Fields within(String path, JsonNode value) {
            if (value == null || !value.isObject()) throw error(path, "an object, got " + value);
            return new Fields(value, file, path + ".");
        }

        UserError error(String field, String expected) {
            return new UserError(file + ": field '" + prefix + field + "': expected " + expected);
        }

        JsonNode need(String field) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) throw new UserError(file + ": missing required field '" + prefix + field + "'");
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

        /** A soft cap: {@code dflt} when the key is absent, 0 (none) when it is null. */
        double cap(String field, double dflt) {
            if (!node.has(field)) return dflt;
            double v = num(field, 0);
            if (v < 0) throw error(field, "a positive cap or null, got " + v);
            return v;
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
