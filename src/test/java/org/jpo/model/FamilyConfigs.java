package org.jpo.model;

/**
 * Each family's config.json as its published checkpoint spells it (every key, sizes shrunk to a test's scale, vocabulary
 * 50, context 64), for the reference comparison and the loop tests.
 */
public final class FamilyConfigs {
    private FamilyConfigs() {}

    /**
     * Gemma 2, from gemma-2-2b's config.json with the sizes shrunk: (1 + w) and sandwich norms, √D embeddings, GeGLU,
     * query_pre_attn_scalar apart from head_dim, alternating sliding-window layers with a window shorter than the
     * sequences, and soft caps small enough to bite on random weights.
     */
    public static final String GEMMA2 = """
            {"architectures": ["Gemma2ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
             "attn_logit_softcapping": 0.5, "bos_token_id": 2, "cache_implementation": "hybrid", "eos_token_id": 1,
             "final_logit_softcapping": 3.0, "head_dim": 16, "hidden_act": "gelu_pytorch_tanh",
             "hidden_activation": "gelu_pytorch_tanh", "hidden_size": 32, "initializer_range": 0.02, "intermediate_size": 48,
             "max_position_embeddings": 64, "model_type": "gemma2", "num_attention_heads": 4, "num_hidden_layers": 4,
             "num_key_value_heads": 2, "pad_token_id": 0, "query_pre_attn_scalar": 12, "rms_norm_eps": 1e-06,
             "rope_theta": 10000.0, "sliding_window": 4, "torch_dtype": "float32", "transformers_version": "4.42.4",
             "use_cache": true, "vocab_size": 50}""";

    /** Gemma 3 (gemma-3-1b's config.json, shrunk): q/k norms, every third layer global, local and scaled global rotary. */
    public static final String GEMMA3 = """
            {"architectures": ["Gemma3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
             "attn_logit_softcapping": null, "bos_token_id": 2, "cache_implementation": "hybrid", "eos_token_id": [1, 106],
             "final_logit_softcapping": null, "head_dim": 16, "hidden_activation": "gelu_pytorch_tanh", "hidden_size": 32,
             "initializer_range": 0.02, "intermediate_size": 48, "max_position_embeddings": 64, "model_type": "gemma3_text",
             "num_attention_heads": 4, "num_hidden_layers": 6, "num_key_value_heads": 1, "pad_token_id": 0,
             "query_pre_attn_scalar": 16, "rms_norm_eps": 1e-06, "rope_local_base_freq": 10000,
             "rope_scaling": {"factor": 8.0, "rope_type": "linear"}, "rope_theta": 1000000, "sliding_window": 5,
             "sliding_window_pattern": 3, "torch_dtype": "bfloat16", "transformers_version": "4.50.0.dev0", "use_cache": true,
             "vocab_size": 50}""";

    /** Phi-3 (Phi-3-mini-4k-instruct's config.json, shrunk, with Phi-4-mini's partial rotary): fused projections, a window on every layer. */
    public static final String PHI3 = """
            {"architectures": ["Phi3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0, "bos_token_id": 1,
             "embd_pdrop": 0.0, "eos_token_id": 32, "hidden_act": "silu", "hidden_size": 32, "initializer_range": 0.02,
             "intermediate_size": 48, "max_position_embeddings": 64, "model_type": "phi3", "num_attention_heads": 4,
             "num_hidden_layers": 2, "num_key_value_heads": 2, "original_max_position_embeddings": 64, "pad_token_id": 32,
             "partial_rotary_factor": 0.75, "resid_pdrop": 0.0, "rms_norm_eps": 1e-05, "rope_scaling": null,
             "rope_theta": 10000.0, "sliding_window": 6, "tie_word_embeddings": false, "torch_dtype": "bfloat16",
             "transformers_version": "4.40.2", "use_cache": true, "vocab_size": 50}""";

    /**
     * Phi-4-mini's config.json shape (shrunk): tied head, partial rotary 0.75, longrope (twice the original context, so
     * cos and sin are scaled by √(1 + ln 2 / ln 64)), no window.
     */
    public static final String PHI4_MINI = """
            {"architectures": ["Phi3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0, "bos_token_id": 1,
             "embd_pdrop": 0.0, "eos_token_id": 32, "full_attn_mod": 1, "hidden_act": "silu", "hidden_size": 32,
             "initializer_range": 0.02, "intermediate_size": 48, "interpolate_factor": 1, "lm_head_bias": false,
             "max_position_embeddings": 128, "mlp_bias": false, "model_type": "phi3", "num_attention_heads": 2,
             "num_hidden_layers": 2, "num_key_value_heads": 1, "original_max_position_embeddings": 64, "pad_token_id": 30,
             "partial_rotary_factor": 0.75, "resid_pdrop": 0.0, "rms_norm_eps": 1e-05,
             "rope_scaling": {"long_factor": [1.0, 1.2, 2.5, 4.0, 7.5, 12.0], "short_factor": [1.0, 1.1, 1.3, 1.6, 2.0, 3.0],
             "type": "longrope"}, "rope_theta": 10000.0, "sliding_window": null, "tie_word_embeddings": true,
             "torch_dtype": "bfloat16", "transformers_version": "4.45.0", "use_cache": true, "vocab_size": 50}""";

    /** SmolLM3 (SmolLM3-3B's config.json, shrunk): every fourth layer without rotary embeddings. */
    public static final String SMOLLM3 = """
            {"architectures": ["SmolLM3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0, "bos_token_id": null,
             "eos_token_id": 12, "hidden_act": "silu", "hidden_size": 32, "initializer_range": 0.02, "intermediate_size": 48,
             "max_position_embeddings": 64, "max_window_layers": 28, "mlp_bias": false, "model_type": "smollm3",
             "no_rope_layer_interval": 4, "no_rope_layers": [1, 1, 1, 0], "num_attention_heads": 4, "num_hidden_layers": 4,
             "num_key_value_heads": 2, "pad_token_id": 4, "pretraining_tp": 2, "rms_norm_eps": 1e-06, "rope_scaling": null,
             "rope_theta": 5000000.0, "sliding_window": null, "tie_word_embeddings": true, "torch_dtype": "bfloat16",
             "use_cache": false, "use_sliding_window": false, "vocab_size": 50}""";

    /** {@code json} with another vocabulary size and context window (a loop's tokenizer and sequence lengths). */
    public static String resized(String json, int vocab, int context) {
        return json.replace("\"vocab_size\": 50", "\"vocab_size\": " + vocab)
                .replace("\"max_position_embeddings\": 64", "\"max_position_embeddings\": " + context)
                .replace("\"original_max_position_embeddings\": 64", "\"original_max_position_embeddings\": " + context);
    }
}
