"""Independent reference forward for jpo's model tests: an HF directory (config.json + float32 model.safetensors) and
token ids in, every position's logits out as one JSON line. Written from HuggingFace transformers' modeling files
(modeling_llama.py, modeling_qwen2.py, modeling_qwen3.py, modeling_gemma2.py, modeling_gemma3.py, modeling_phi3.py,
modeling_smollm3.py, masking_utils.py, modeling_rope_utils.py), in numpy with float64 arithmetic, without torch.

model_type llama, mistral, qwen2, qwen3: forward() below (unchanged since it was first written).
model_type gemma2, gemma3_text, phi3, smollm3: forward_ext(), from a per-family description of the config (describe_*).

usage: python3 llama_family.py MODEL_DIR ID [ID ...]
"""
import json
import struct
import sys

import numpy as np


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        assert meta["dtype"] == "F32", name + " is " + meta["dtype"]
        a, b = meta["data_offsets"]
        out[name] = np.frombuffer(data[a:b], dtype="<f4").reshape(meta["shape"]).astype(np.float64)
    return out


def rms_norm(x, weight, eps):   # LlamaRMSNorm / Qwen3RMSNorm over the last dimension
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * weight


def rotate_half(x):
    half = x.shape[-1] // 2
    return np.concatenate([-x[..., half:], x[..., :half]], axis=-1)


def forward(cfg, w, ids):
    t, d = len(ids), cfg["hidden_size"]
    heads, kv_heads = cfg["num_attention_heads"], cfg.get("num_key_value_heads", cfg["num_attention_heads"])
    hd = cfg.get("head_dim") or d // heads
    eps, theta = cfg["rms_norm_eps"], cfg.get("rope_theta", 10000.0)
    qk_norm = cfg["model_type"] == "qwen3"
    bias = cfg["model_type"] == "qwen2" or cfg.get("attention_bias", False)
    inv_freq = 1.0 / theta ** (np.arange(0, hd, 2) / hd)                 # [hd/2]
    freqs = np.outer(np.arange(t), inv_freq)                             # [T, hd/2]
    emb = np.concatenate([freqs, freqs], axis=-1)                        # [T, hd]
    cos, sin = np.cos(emb), np.sin(emb)
    windows = [None] * cfg["num_hidden_layers"]
    if cfg["model_type"] == "mistral" and cfg.get("sliding_window"):   # MistralModel: every layer slides
        windows = [cfg["sliding_window"]] * len(windows)
    if cfg["model_type"] in ("qwen2", "qwen3") and cfg.get("use_sliding_window") and cfg.get("sliding_window"):
        # Qwen2Config / Qwen3Config: layer_types, by default the layers from max_window_layers on slide
        types = cfg.get("layer_types") or ["sliding_attention" if i >= cfg.get("max_window_layers", 28) else "full_attention"
                                           for i in range(len(windows))]
        windows = windows_of(types, cfg["sliding_window"])
    x = w["model.embed_tokens.weight"][ids]                              # [T, D]
    for l in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % l
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)

        def proj(name):
            y = h @ w[p + "self_attn." + name + ".weight"].T
            return y + w[p + "self_attn." + name + ".bias"] if bias else y

        q = proj("q_proj").reshape(t, heads, hd)
        k = proj("k_proj").reshape(t, kv_heads, hd)
        v = proj("v_proj").reshape(t, kv_heads, hd)
        if qk_norm:
            q = rms_norm(q, w[p + "self_attn.q_norm.weight"], eps)
            k = rms_norm(k, w[p + "self_attn.k_norm.weight"], eps)
        q = q.transpose(1, 0, 2) * cos + rotate_half(q.transpose(1, 0, 2)) * sin        # [H, T, hd]
        k = k.transpose(1, 0, 2) * cos + rotate_half(k.transpose(1, 0, 2)) * sin        # [Hkv, T, hd]
        k = np.repeat(k, heads // kv_heads, axis=0)
        v = np.repeat(v.transpose(1, 0, 2), heads // kv_heads, axis=0)
        s = q @ k.transpose(0, 2, 1) / np.sqrt(hd) + mask(t, windows[l])
        s = np.exp(s - s.max(-1, keepdims=True))
        y = (s / s.sum(-1, keepdims=True)) @ v                          # [H, T, hd]
        y = y.transpose(1, 0, 2).reshape(t, heads * hd) @ w[p + "self_attn.o_proj.weight"].T
        if cfg.get("attention_bias", False):
            y = y + w[p + "self_attn.o_proj.bias"]
        x = x + y
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        g = h @ w[p + "mlp.gate_proj.weight"].T
        x = x + (g / (1 + np.exp(-g)) * (h @ w[p + "mlp.up_proj.weight"].T)) @ w[p + "mlp.down_proj.weight"].T
    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings", False) else w["lm_head.weight"]
    return x @ head.T                                                    # [T, V]


# ---------------------------------------------------------------------------------------------------------------------
# gemma2, gemma3_text, phi3, smollm3. Each describe_* turns config.json into the few facts the forward needs, with the
# defaults of the HF config class for keys the file leaves out; forward_ext then runs any of the four from that.
# ---------------------------------------------------------------------------------------------------------------------

def gemma_rms_norm(x, weight, eps):   # Gemma2RMSNorm / Gemma3RMSNorm: the stored weight is an offset from 1
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * (1.0 + weight)


def gelu_tanh(x):   # ACT2FN["gelu_pytorch_tanh"]: torch.nn.functional.gelu(x, approximate="tanh")
    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x ** 3)))


def silu(x):        # ACT2FN["silu"]
    return x / (1 + np.exp(-x))


ACTIVATIONS = {"gelu_pytorch_tanh": gelu_tanh, "silu": silu}


def activation(name):
    if name not in ACTIVATIONS:
        raise ValueError("activation %s is not supported" % name)
    return ACTIVATIONS[name]


def inv_freq(theta, dim, scaling):
    """modeling_rope_utils: _compute_default_rope_parameters is 1 / theta^(2i/dim) for 2i < dim, where dim is the
    rotated width of a head; _compute_linear_scaling_rope_parameters divides that by factor (same as dividing the
    positions by factor). scaling is config.json's rope_scaling (4.x) or rope_parameters (5.x) dict, or None."""
    f = 1.0 / theta ** (np.arange(0, dim, 2) / dim)
    kind = None if scaling is None else scaling.get("rope_type", scaling.get("type"))
    if kind in (None, "default"):
        return f
    if kind == "linear":
        return f / scaling["factor"]
    raise ValueError("rope type %s is not supported" % kind)


def flat_rope(cfg, default_theta):
    """(theta, scaling dict or None) of a model with one rope for every layer. transformers 4.x writes rope_theta and
    rope_scaling at the top level; 5.x writes a rope_parameters dict holding rope_theta, rope_type and the rest."""
    rp = cfg.get("rope_parameters")
    if rp is not None:
        return rp.get("rope_theta", cfg.get("rope_theta", default_theta)), rp
    return cfg.get("rope_theta", default_theta), cfg.get("rope_scaling")


def windows_of(layer_types, sliding_window):
    # masking_utils.create_sliding_window_causal_mask takes config.sliding_window for every "sliding_attention" layer
    out = []
    for lt in layer_types:
        if lt == "sliding_attention":
            if sliding_window is None:
                raise ValueError("a sliding_attention layer needs sliding_window")
            out.append(sliding_window)
        elif lt == "full_attention":
            out.append(None)
        else:
            raise ValueError("layer type %s is not supported" % lt)
    return out


def describe_gemma(cfg):
    """configuration_gemma2.py Gemma2Config / configuration_gemma3.py Gemma3TextConfig, as modeling_gemma2.py and
    modeling_gemma3.py (Gemma2ForCausalLM, Gemma3ForCausalLM) read them."""
    gemma3 = cfg["model_type"] == "gemma3_text"
    if cfg.get("use_bidirectional_attention"):
        raise ValueError("use_bidirectional_attention is not supported")
    n, d = cfg.get("num_hidden_layers", 26), cfg.get("hidden_size", 2304)
    hd = cfg.get("head_dim", 256)                        # the config default, not hidden_size / heads
    layer_types = cfg.get("layer_types")
    if not layer_types:
        # Gemma2Config: layer i slides when (i + 1) % 2 != 0, i.e. 0, 2, 4, ...; Gemma3TextConfig: when
        # (i + 1) % sliding_window_pattern != 0, i.e. every pattern-th layer (5, 11, ... for 6) is global
        pattern = cfg.get("sliding_window_pattern", 6) if gemma3 else 2
        layer_types = ["sliding_attention" if (i + 1) % pattern else "full_attention" for i in range(n)]
    if gemma3:
        # Gemma3TextConfig.convert_rope_params_to_dict: rope_theta and rope_scaling are the full_attention layers',
        # rope_local_base_freq (no scaling) the sliding_attention layers'; 5.x writes one dict per layer type
        rp = cfg.get("rope_parameters")
        if rp is not None and "full_attention" in rp:
            full = inv_freq(rp["full_attention"].get("rope_theta", 1_000_000.0), hd, rp["full_attention"])
            local = inv_freq(rp["sliding_attention"].get("rope_theta", 10_000.0), hd, rp["sliding_attention"])
        else:
            full = inv_freq(cfg.get("rope_theta", 1_000_000.0), hd, cfg.get("rope_scaling"))
            local = inv_freq(cfg.get("rope_local_base_freq", 10_000.0), hd, None)
        ropes = [local if lt == "sliding_attention" else full for lt in layer_types]
    else:
        theta, scaling = flat_rope(cfg, 10_000.0)
        ropes = [inv_freq(theta, hd, scaling)] * n
    return {
        "layers": n, "hidden": d, "heads": cfg.get("num_attention_heads", 8),
        "kv_heads": cfg.get("num_key_value_heads", 4), "head_dim": hd, "eps": cfg.get("rms_norm_eps", 1e-6),
        "gemma": True,                                   # (1 + w) norms, sandwich norms around attention and MLP
        "qk_norm": gemma3,                               # Gemma3Attention q_norm / k_norm over head_dim
        "embed_scale": float(np.float32(np.sqrt(d))),    # hidden_size ** 0.5 cast to the (float32) weight dtype
        "act": activation(cfg.get("hidden_activation", "gelu_pytorch_tanh")),   # hidden_act is not read
        "attention_bias": cfg.get("attention_bias", False), "mlp_bias": False, "fused": False,
        "scaling": cfg.get("query_pre_attn_scalar", 256) ** -0.5,
        # Gemma3Attention.forward never passes softcap to the attention function: attn_logit_softcapping has no
        # effect on gemma3_text, whatever its value
        "attn_softcap": None if gemma3 else cfg.get("attn_logit_softcapping", 50.0),
        "final_softcap": cfg.get("final_logit_softcapping", None if gemma3 else 30.0),
        "windows": windows_of(layer_types, cfg.get("sliding_window", 4096)),
        "ropes": ropes, "tie": cfg.get("tie_word_embeddings", True),
    }


def describe_phi3(cfg):
    """configuration_phi3.py Phi3Config as modeling_phi3.py (Phi3ForCausalLM) reads it."""
    n, d, heads = cfg.get("num_hidden_layers", 32), cfg.get("hidden_size", 3072), cfg.get("num_attention_heads", 32)
    hd = cfg.get("head_dim") or d // heads
    theta, scaling = flat_rope(cfg, 10_000.0)
    kind = None if scaling is None else scaling.get("rope_type", scaling.get("type"))
    if kind not in (None, "default", "longrope", "su"):
        raise ValueError("phi3 rope_scaling %s is not supported" % scaling)
    # Phi3Config puts partial_rotary_factor into rope_parameters; the rotated width is int(head_dim * factor) and the
    # frequencies are computed over that width (1 / theta^(2i/rot)), not over head_dim
    prf = (scaling or {}).get("partial_rotary_factor", cfg.get("partial_rotary_factor", 1.0))
    rot = int(hd * prf)
    f, attention_factor = inv_freq(theta, rot, None), 1.0
    if kind in ("longrope", "su"):
        # modeling_rope_utils._compute_longrope_parameters, for sequences within original_max_position_embeddings
        # (longer ones switch to long_factor): inv_freq / short_factor, cos and sin times sqrt(1 + ln factor / ln original)
        original = cfg["original_max_position_embeddings"]
        factor = scaling.get("factor", cfg["max_position_embeddings"] / original)
        f = f / np.array(scaling["short_factor"])
        attention_factor = np.sqrt(1 + np.log(factor) / np.log(original)) if factor > 1 else 1.0
    return {
        "layers": n, "hidden": d, "heads": heads, "kv_heads": cfg.get("num_key_value_heads") or heads,
        "head_dim": hd, "eps": cfg.get("rms_norm_eps", 1e-5), "gemma": False, "qk_norm": False, "embed_scale": None,
        "act": activation(cfg.get("hidden_act", "silu")),
        "attention_bias": False, "mlp_bias": False,      # Phi3Attention / Phi3MLP: bias=False, whatever the config
        "fused": True,                                   # qkv_proj and gate_up_proj
        "scaling": hd ** -0.5, "attn_softcap": None, "final_softcap": None,
        "windows": [cfg.get("sliding_window")] * n,      # Phi3Model: every layer slides when sliding_window is set
        "ropes": [f] * n, "rope_scale": attention_factor, "tie": cfg.get("tie_word_embeddings", False),
    }


def describe_smollm3(cfg):
    """configuration_smollm3.py SmolLM3Config as modeling_smollm3.py (SmolLM3ForCausalLM) reads it."""
    n, d, heads = cfg.get("num_hidden_layers", 36), cfg.get("hidden_size", 2048), cfg.get("num_attention_heads", 16)
    hd = cfg.get("head_dim") or d // heads
    # no_rope_layers[i] is 1 where layer i applies rope and 0 where it does not (SmolLM3Attention.use_rope); the
    # default makes every no_rope_layer_interval-th layer (3, 7, 11, ... for 4) a no-rope layer
    interval = cfg.get("no_rope_layer_interval", 4)
    use_rope = cfg.get("no_rope_layers") or [int((i + 1) % interval != 0) for i in range(n)]
    layer_types = cfg.get("layer_types")
    if not layer_types:   # SmolLM3Config: only no-rope layers slide, and only with use_sliding_window and a window
        sliding = cfg.get("use_sliding_window", False) and cfg.get("sliding_window") is not None
        layer_types = ["sliding_attention" if sliding and not use_rope[i] else "full_attention" for i in range(n)]
    theta, scaling = flat_rope(cfg, 2_000_000.0)
    f = inv_freq(theta, hd, scaling)
    return {
        "layers": n, "hidden": d, "heads": heads, "kv_heads": cfg.get("num_key_value_heads", 4) or heads,
        "head_dim": hd, "eps": cfg.get("rms_norm_eps", 1e-6), "gemma": False, "qk_norm": False, "embed_scale": None,
        "act": activation(cfg.get("hidden_act", "silu")),
        "attention_bias": cfg.get("attention_bias", False), "mlp_bias": cfg.get("mlp_bias", False), "fused": False,
        "scaling": hd ** -0.5, "attn_softcap": None, "final_softcap": None,
        "windows": windows_of(layer_types, cfg.get("sliding_window")),
        "ropes": [f if use_rope[i] else None for i in range(n)], "tie": cfg.get("tie_word_embeddings", True),
    }


DESCRIBE = {"gemma2": describe_gemma, "gemma3_text": describe_gemma, "phi3": describe_phi3,
            "smollm3": describe_smollm3}


def apply_rope(x, f, t, scale=1.0):
    """apply_rotary_pos_emb on [heads, T, head_dim] at positions 0..T-1 with inverse frequencies f. Only the first
    2 * len(f) dims rotate (rotate_half inside that part); the rest pass through (Phi3's partial rotary)."""
    rot = 2 * len(f)
    freqs = np.outer(np.arange(t), f)
    emb = np.concatenate([freqs, freqs], axis=-1)                        # [T, rot]
    xr, xp = x[..., :rot], x[..., rot:]
    return np.concatenate([xr * np.cos(emb) * scale + rotate_half(xr) * np.sin(emb) * scale, xp], axis=-1)


def mask(t, window):
    """masking_utils: causal_mask_function keeps kv_idx <= q_idx; sliding_window_overlay keeps kv_idx > q_idx - window,
    so a query sees itself and the window - 1 keys before it. Kept entries add 0, dropped ones -inf."""
    q, k = np.arange(t)[:, None], np.arange(t)[None, :]
    keep = k <= q
    if window is not None:
        keep &= k > q - window
    return np.where(keep, 0.0, -np.inf)


def forward_ext(cfg, w, ids):
    a = DESCRIBE[cfg["model_type"]](cfg)
    t, heads, kv_heads, hd, eps = len(ids), a["heads"], a["kv_heads"], a["head_dim"], a["eps"]
    norm = gemma_rms_norm if a["gemma"] else rms_norm

    def linear(h, name, bias):
        y = h @ w[name + ".weight"].T
        return y + w[name + ".bias"] if bias else y

    x = w["model.embed_tokens.weight"][ids]                              # [T, D]
    if a["embed_scale"] is not None:                                     # Gemma2Model normalizer / Gemma3 embed_scale
        x = x * a["embed_scale"]
    for l in range(a["layers"]):
        p = "model.layers.%d." % l
        h = norm(x, w[p + "input_layernorm.weight"], eps)
        if a["fused"]:   # Phi3Attention: qkv_proj rows are [q (heads*hd) | k (kv*hd) | v (kv*hd)]
            q, k, v = np.split(h @ w[p + "self_attn.qkv_proj.weight"].T, [heads * hd, (heads + kv_heads) * hd], -1)
        else:
            q, k, v = (linear(h, p + "self_attn." + n, a["attention_bias"]) for n in ("q_proj", "k_proj", "v_proj"))
        q = q.reshape(t, heads, hd).transpose(1, 0, 2)                   # [H, T, hd]
        k = k.reshape(t, kv_heads, hd).transpose(1, 0, 2)                # [Hkv, T, hd]
        v = v.reshape(t, kv_heads, hd).transpose(1, 0, 2)
        if a["qk_norm"]:                                                 # Gemma3Attention: before the rotation
            q = gemma_rms_norm(q, w[p + "self_attn.q_norm.weight"], eps)
            k = gemma_rms_norm(k, w[p + "self_attn.k_norm.weight"], eps)
        if a["ropes"][l] is not None:                                    # SmolLM3: None on no-rope layers
            scale = a.get("rope_scale", 1.0)                             # Phi-3 longrope's attention factor
            q, k = apply_rope(q, a["ropes"][l], t, scale), apply_rope(k, a["ropes"][l], t, scale)
        k = np.repeat(k, heads // kv_heads, axis=0)                      # repeat_kv
        v = np.repeat(v, heads // kv_heads, axis=0)
        s = q @ k.transpose(0, 2, 1) * a["scaling"]                      # eager_attention_forward
        if a["attn_softcap"] is not None:                                # Gemma2: tanh soft-cap, then the mask
            s = np.tanh(s / a["attn_softcap"]) * a["attn_softcap"]
        s = s + mask(t, a["windows"][l])
        s = np.exp(s - s.max(-1, keepdims=True))
        y = (s / s.sum(-1, keepdims=True)) @ v                          # [H, T, hd]
        y = linear(y.transpose(1, 0, 2).reshape(t, heads * hd), p + "self_attn.o_proj", a["attention_bias"])
        if a["gemma"]:   # Gemma2DecoderLayer / Gemma3DecoderLayer: norm the attention output, add, pre-norm the MLP
            x = x + norm(y, w[p + "post_attention_layernorm.weight"], eps)
            h = norm(x, w[p + "pre_feedforward_layernorm.weight"], eps)
        else:
            x = x + y
            h = norm(x, w[p + "post_attention_layernorm.weight"], eps)
        if a["fused"]:   # Phi3MLP: gate, up = gate_up_proj(h).chunk(2, dim=-1); up * act(gate)
            gate, up = np.split(h @ w[p + "mlp.gate_up_proj.weight"].T, 2, -1)
        else:
            gate, up = linear(h, p + "mlp.gate_proj", a["mlp_bias"]), linear(h, p + "mlp.up_proj", a["mlp_bias"])
        m = linear(a["act"](gate) * up, p + "mlp.down_proj", a["mlp_bias"])
        if a["gemma"]:
            m = norm(m, w[p + "post_feedforward_layernorm.weight"], eps)
        x = x + m
    x = norm(x, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if a["tie"] else w["lm_head.weight"]
    logits = x @ head.T                                                  # [T, V]
    if a["final_softcap"] is not None:                                   # Gemma2ForCausalLM / Gemma3ForCausalLM
        logits = np.tanh(logits / a["final_softcap"]) * a["final_softcap"]
    return logits


def main():
    model, ids = sys.argv[1], [int(a) for a in sys.argv[2:]]
    with open(model + "/config.json") as f:
        cfg = json.load(f)
    run = forward_ext if cfg["model_type"] in DESCRIBE else forward
    logits = run(cfg, read_safetensors(model + "/model.safetensors"), ids)
    print(json.dumps({"logits": logits.tolist()}))


if __name__ == "__main__":
    main()
