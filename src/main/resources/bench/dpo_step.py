"""The DPO step of `jpo bench train`, written in PyTorch: the baseline jpo's step is measured against.

The same models as jpo's Transformer (Llama: RMSNorm, rotate-half RoPE, SiLU-gated MLP, tied embeddings;
GPT-2: LayerNorm, Conv1D-as-linear with biases, gelu tanh, learned positions, tied embeddings), the same
step (chosen and rejected concatenated into one [2B,T] forward, completion log-probs as gather minus
logsumexp, sigmoid DPO loss against precomputed reference log-probs, backward, clip to norm 1, AdamW at
weight decay 0), the same shapes and thread count. Random token ids.
It builds the model, prints one JSON line {"ready": ...}, then runs one step per "step" line on stdin and answers
each with {"seconds": ...}; jpo alternates these steps with its own, so the machine's drift hits both alike.
Run by jpo with /usr/bin/python3 (Debian's python3-torch); torch 1.13 has no scaled_dot_product_attention,
so attention is written out (causal mask, softmax), as PyTorch code of that version does it.
"""
import argparse
import json
import math
import sys
import time

import torch
import torch.nn.functional as F


def llama_params(a, g):
    d, hd, kv = a.dim, a.dim // a.heads, a.kv_heads * (a.dim // a.heads)
    p = {"embed": torch.randn(a.vocab, d, generator=g) * 0.02, "norm": torch.ones(d)}
    for l in range(a.layers):
        for name, shape in [("q", (d, d)), ("k", (kv, d)), ("v", (kv, d)), ("o", (d, d)),
                            ("gate", (a.hidden, d)), ("up", (a.hidden, d)), ("down", (d, a.hidden))]:
            p[f"{l}.{name}"] = torch.randn(*shape, generator=g) * 0.02
        p[f"{l}.ln1"], p[f"{l}.ln2"] = torch.ones(d), torch.ones(d)
    return p


def gpt2_params(a, g):
    d = a.dim
    p = {"wte": torch.randn(a.vocab, d, generator=g) * 0.02, "wpe": torch.randn(a.seq_len, d, generator=g) * 0.02,
         "lnf.w": torch.ones(d), "lnf.b": torch.zeros(d)}
    for l in range(a.layers):
        for name, (i, o) in [("attn", (d, 3 * d)), ("proj", (d, d)), ("fc", (d, 4 * d)), ("mproj", (4 * d, d))]:
            p[f"{l}.{name}.w"] = torch.randn(i, o, generator=g) * 0.02   # HF Conv1D layout [in, out]
            p[f"{l}.{name}.b"] = torch.randn(o, generator=g) * 0.02
        for n in ("ln1", "ln2"):
            p[f"{l}.{n}.w"], p[f"{l}.{n}.b"] = torch.ones(d), torch.zeros(d)
    return p


def attention(q, k, v, mask):
    """q, k, v [B,H,T,hd] → [B,H,T,hd], causal."""
    att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(q.size(-1)))      # [B,H,T,T]
    att = att.masked_fill(mask, float("-inf")).softmax(-1)
    return att @ v


def rms_norm(x, w, eps=1e-5):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rope(x, cos, sin):
    half = x.size(-1) // 2
    return x * cos + torch.cat((-x[..., half:], x[..., :half]), -1) * sin


def llama_hidden(p, a, ids, mask, cos, sin):
    b, t = ids.shape
    hd = a.dim // a.heads
    x = F.embedding(ids, p["embed"])                                        # [B,T,D]
    for l in range(a.layers):
        h = rms_norm(x, p[f"{l}.ln1"])
        q = F.linear(h, p[f"{l}.q"]).view(b, t, a.heads, hd).transpose(1, 2)
        k = F.linear(h, p[f"{l}.k"]).view(b, t, a.kv_heads, hd).transpose(1, 2)
        v = F.linear(h, p[f"{l}.v"]).view(b, t, a.kv_heads, hd).transpose(1, 2)
        q, k = rope(q, cos, sin), rope(k, cos, sin)
        if a.kv_heads != a.heads:
            k = k.repeat_interleave(a.heads // a.kv_heads, 1)
            v = v.repeat_interleave(a.heads // a.kv_heads, 1)
        y = attention(q, k, v, mask).transpose(1, 2).reshape(b, t, a.dim)
        x = x + F.linear(y, p[f"{l}.o"])
        h = rms_norm(x, p[f"{l}.ln2"])
        x = x + F.linear(F.silu(F.linear(h, p[f"{l}.gate"])) * F.linear(h, p[f"{l}.up"]), p[f"{l}.down"])
    return rms_norm(x, p["norm"]), p["embed"]


def gpt2_hidden(p, a, ids, mask, cos, sin):
    b, t = ids.shape
    hd, d = a.dim // a.heads, a.dim
    conv = lambda x, n: torch.addmm(p[n + ".b"], x.reshape(-1, x.size(-1)), p[n + ".w"]).view(b, t, -1)
    ln = lambda x, n: F.layer_norm(x, (d,), p[n + ".w"], p[n + ".b"], 1e-5)
    x = F.embedding(ids, p["wte"]) + p["wpe"][:t]                           # [B,T,D]
    for l in range(a.layers):
        qkv = conv(ln(x, f"{l}.ln1"), f"{l}.attn")                          # [B,T,3D]
        q, k, v = (s.view(b, t, a.heads, hd).transpose(1, 2) for s in qkv.split(d, 2))
        x = x + conv(attention(q, k, v, mask).transpose(1, 2).reshape(b, t, d), f"{l}.proj")
        x = x + conv(F.gelu(conv(ln(x, f"{l}.ln2"), f"{l}.fc"), approximate="tanh"), f"{l}.mproj")
    return ln(x, "lnf"), p["wte"]


def blas():
    """The BLAS libraries this process has mapped (after a matmul), resolved through the alternatives links."""
    import os
    with open("/proc/self/maps") as f:
        libs = {line.split()[-1] for line in f if "blas" in line.lower() and "/" in line}
    return ", ".join(sorted({os.path.realpath(l) for l in libs})) or "none mapped"


def main():
    ap = argparse.ArgumentParser()
    for k in ("dim", "layers", "heads", "kv_heads", "hidden", "vocab", "seq_len", "batch_size", "threads"):
        ap.add_argument("--" + k.replace("_", "-"), type=int, required=k not in ("kv_heads", "hidden"), default=0)
    ap.add_argument("--family", choices=("llama", "gpt2"), required=True)
    ap.add_argument("--beta", type=float, default=0.1)
    ap.add_argument("--lr", type=float, default=1e-6)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    g = torch.Generator().manual_seed(1)
    p = (llama_params if a.family == "llama" else gpt2_params)(a, g)
    for t in p.values():
        t.requires_grad_(True)
    opt = torch.optim.AdamW(p.values(), lr=a.lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    hidden = llama_hidden if a.family == "llama" else gpt2_hidden

    t, b, prompt = a.seq_len, a.batch_size, a.seq_len // 2
    mask = torch.ones(t, t, dtype=torch.bool).triu(1)                       # [T,T], True = masked
    hd = a.dim // a.heads
    inv = 1.0 / (10000 ** (torch.arange(0, hd, 2).float() / hd))
    freqs = torch.arange(t).float()[:, None] * inv[None, :]
    emb = torch.cat((freqs, freqs), -1)
    cos, sin = emb.cos(), emb.sin()                                         # [T,hd]
    ref = torch.full((b,), -30.0), torch.full((b,), -31.0)

    torch.ones(2, 2) @ torch.ones(2, 2)                                    # maps the BLAS library blas() reports
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas()}),
          flush=True)
    for line in sys.stdin:
        if line.strip() != "step":
            break
        ids = torch.randint(0, a.vocab, (2 * b, t), generator=g)            # [2B,T]: chosen rows, then rejected
        t0 = time.perf_counter()
        h, head = hidden(p, a, ids, mask, cos, sin)
        # the head only where a completion token is predicted, as jpo's step does (every row's prompt is T/2)
        logits = F.linear(h[:, prompt - 1:-1], head)                        # [2B,T-prompt,V]
        lp = logits.gather(-1, ids[:, prompt:, None]).squeeze(-1) - logits.logsumexp(-1)
        seq = lp.sum(1)                                                     # [2B]
        logits_ratio = (seq[:b] - ref[0]) - (seq[b:] - ref[1])
        loss = -F.logsigmoid(a.beta * logits_ratio).mean()
        loss.item()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(p.values()), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        print(json.dumps({"seconds": time.perf_counter() - t0}), flush=True)

if __name__ == "__main__":
    main()
