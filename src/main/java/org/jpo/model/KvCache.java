package org.jpo.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Keys and values of every layer for B rows that advance in lockstep, preallocated to {@code capacity}
 * positions: [B, Hkv, capacity, hd] per layer. The cache lives in the scope that made it (one
 * generation call) and is filled by {@link Transformer#hidden(Tensor, Tensor, Tensor, KvCache)}.
 */
public final class KvCache {
    private final Tensor[] keys, values;
    private final int capacity;
    private int length;

    KvCache(ModelConfig c, long batch, int capacity) {
        this.capacity = capacity;
        keys = new Tensor[c.nLayers()];
        values = new Tensor[c.nLayers()];
        for (int l = 0; l < c.nLayers(); l++) {
            keys[l] = torch.zeros(batch, c.nKvHeads(), capacity, c.headDim());     // [B,Hkv,S,hd]
            values[l] = torch.zeros(batch, c.nKvHeads(), capacity, c.headDim());   // [B,Hkv,S,hd]
        }
    }

    /** Positions filled so far. */
    public int length() { return length; }

    public int capacity() { return capacity; }

    /** Writes this step's k, v [B,Hkv,T,hd] of layer l and returns everything cached so far [B,Hkv,S,hd]. */
    Tensor[] append(int layer, Tensor k, Tensor v) {
        long t = k.size(2);
        if (length + t > capacity) {
            throw new IllegalStateException("KV cache full: " + length + " + " + t + " > capacity " + capacity);
        }
        keys[layer].narrow(2, length, t).copy_(k);
        values[layer].narrow(2, length, t).copy_(v);
        return new Tensor[] {keys[layer].narrow(2, 0, length + t), values[layer].narrow(2, 0, length + t)};
    }

    /** Called once per forward after all layers appended {@code t} positions. */
    void advance(long t) { length += (int) t; }
}
