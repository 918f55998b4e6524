"""PyTorch baseline for `jpo bench generate`: KV-cache sampling from a llama2.c .bin file.

The model is karpathy/llama2.c's Llama (RMSNorm, rotary pairs (2i, 2i+1), SwiGLU, grouped-query attention),
read with struct and torch.frombuffer (no numpy). Every row starts at BOS and samples `new_tokens` tokens at
temperature 1 with torch.multinomial; `rows` rows are decoded in static batches of `batch`. Prints one JSON line.
"""
import argparse
import json
import math
import struct
import time

import torch


def load(path):
    with open(path, "rb") as f:
        data = f.read()
    dim, hidden, layers, heads, kv_heads, vocab, seq = struct.unpack("7i", data[:28])
    shared = vocab > 0
    vocab = abs(vocab)
    flat = torch.frombuffer(bytearray(data[28:]), dtype=torch.float32)
    hd, kv = dim // heads, kv_heads * (dim // heads)
    offset = 0

    def take(*shape):
        nonlocal offset
        n = math.prod(shape)
        t = flat[offset:offset + n].view(*shape)
        offset += n
        return t

    w = {"emb": take(vocab, dim), "rms_att": take(layers, dim), "wq": take(layers, dim, dim),
         "wk": take(layers, kv, dim), "wv": take(layers, kv, dim), "wo": take(layers, dim, dim),
         "rms_ffn": take(layers, dim), "w1": take(layers, hidden, dim), "w2": take(layers, dim, hidden),
         "w3": take(layers, hidden, dim), "rms_final": take(dim)}
    take(seq * hd // 2)
    take(seq * hd // 2)
    w["cls"] = w["emb"] if shared else take(vocab, dim)
    cfg = dict(dim=dim, layers=layers, heads=heads, kv_heads=kv_heads, hd=hd, vocab=vocab, seq=seq)
    return cfg, w


def rmsnorm(x, weight):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * weight


def rope(x, cos, sin):
    """x [B,H,hd] rotated in (2i, 2i+1) pairs by the angles of one position."""
    x = x.view(*x.shape[:-1], -1, 2)
    re, im = x[..., 0], x[..., 1]
    return torch.stack((re * cos - im * sin, re * sin + im * cos), -1).flatten(-2)


def step(cfg, w, cache_k, cache_v, tok, pos, cos, sin):
    """One token per row at position pos: tok [B] -> logits [B,V]; cache [L,B,Hkv,S,hd] is written at pos."""
    b, h, hkv, hd = tok.shape[0], cfg["heads"], cfg["kv_heads"], cfg["hd"]
    x = w["emb"][tok]                                                       # [B,D]
    for l in range(cfg["layers"]):
        a = rmsnorm(x, w["rms_att"][l])
        q = rope((a @ w["wq"][l].T).view(b, h, hd), cos[pos], sin[pos])      # [B,H,hd]
        k = rope((a @ w["wk"][l].T).view(b, hkv, hd), cos[pos], sin[pos])    # [B,Hkv,hd]
        cache_k[l, :, :, pos] = k
        cache_v[l, :, :, pos] = (a @ w["wv"][l].T).view(b, hkv, hd)
        keys = cache_k[l, :, :, :pos + 1].repeat_interleave(h // hkv, 1)    # [B,H,S,hd]
        values = cache_v[l, :, :, :pos + 1].repeat_interleave(h // hkv, 1)
        att = torch.softmax((keys @ q.unsqueeze(-1)).squeeze(-1) / math.sqrt(hd), -1)   # [B,H,S]
        y = (att.unsqueeze(-2) @ values).squeeze(-2).reshape(b, h * hd)     # [B,D]
        x = x + y @ w["wo"][l].T
        f = rmsnorm(x, w["rms_ffn"][l])
        x = x + (torch.nn.functional.silu(f @ w["w1"][l].T) * (f @ w["w3"][l].T)) @ w["w2"][l].T
    return rmsnorm(x, w["rms_final"]) @ w["cls"].T                          # [B,V]


def generate(cfg, w, batch, new_tokens, cos, sin, gen):
    steps = min(new_tokens, cfg["seq"] - 1)
    shape = (cfg["layers"], batch, cfg["kv_heads"], steps + 1, cfg["hd"])
    cache_k, cache_v = torch.zeros(shape), torch.zeros(shape)
    tok = torch.ones(batch, dtype=torch.long)                              # BOS
    for pos in range(steps):
        probs = torch.softmax(step(cfg, w, cache_k, cache_v, tok, pos, cos, sin), -1)
        tok = torch.multinomial(probs, 1, generator=gen).squeeze(1)
    return batch * steps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--batch-size", type=int, required=True)
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--max-new-tokens", type=int, required=True)
    ap.add_argument("--threads", type=int, required=True)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    cfg, w = load(a.model)
    inv = 1.0 / (10000.0 ** (torch.arange(0, cfg["hd"], 2).float() / cfg["hd"]))
    angles = torch.outer(torch.arange(cfg["seq"]).float(), inv)             # [S,hd/2]
    cos, sin = angles.cos(), angles.sin()
    gen = torch.Generator().manual_seed(7)
    with torch.inference_mode():
        generate(cfg, w, a.batch_size, min(8, a.max_new_tokens), cos, sin, gen)      # warm-up
        t0 = time.perf_counter()
        tokens = 0
        for start in range(0, a.rows, a.batch_size):
            tokens += generate(cfg, w, min(a.batch_size, a.rows - start), a.max_new_tokens, cos, sin, gen)
        seconds = time.perf_counter() - t0
    print(json.dumps({"tokens": tokens, "seconds": seconds, "tokens_per_s": tokens / seconds,
                      "torch": torch.__version__, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
