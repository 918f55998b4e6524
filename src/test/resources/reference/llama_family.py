"""Independent reference forward for jpo's model tests: an HF directory (config.json + float32 model.safetensors) and
token ids in, every position's logits out as one JSON line. Written from HuggingFace transformers' modeling files
(modeling_llama.py, modeling_qwen2.py, modeling_qwen3.py), in numpy with float64 arithmetic, without torch.

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
    causal = np.triu(np.full((t, t), -np.inf), 1)
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
        s = q @ k.transpose(0, 2, 1) / np.sqrt(hd) + causal
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


def main():
    model, ids = sys.argv[1], [int(a) for a in sys.argv[2:]]
    with open(model + "/config.json") as f:
        cfg = json.load(f)
    logits = forward(cfg, read_safetensors(model + "/model.safetensors"), ids)
    print(json.dumps({"logits": logits.tolist()}))


if __name__ == "__main__":
    main()
