package org.jpo.model;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import static org.jpo.tensor.Tensors.*;

/**
 * Keys and values of every layer for B rows, preallocated to {@code capacity} columns: [B, Hkv, capacity, hd]
 * per layer. The cache owns its tensors ({@link #close()} frees them) so a continuous batch can resize it
 * between steps. Rows either advance in lockstep ({@link #append} at {@link #length()}, as in a prefill) or
 * each at its own column ({@link #writeAt}, as in a decode step where rows started at different times).
 */
public final class KvCache implements AutoCloseable {
    private final ModelConfig config;
    private Tensor[] keys, values;
    private long batch;
    private int capacity;
    private int length;
    private Tensor columns;   // [B,Hkv,1,hd] where each row writes the next step's key, or null (lockstep)
    private Tensor rowColumns;   // [B,1] the same columns, for the positions
    private int span;         // key columns the next step attends over when columns is set
    private Tensor positions; // [B,capacity] each column's position, for sliding-window masks; null without them
    private long noted;       // tokens of the forward under way, once notePositions saw them

    KvCache(ModelConfig c, long batch, int capacity) {
        this.config = c;
        this.batch = batch;
        this.capacity = capacity;
        keys = new Tensor[c.nLayers()];
        values = new Tensor[c.nLayers()];
        try (PointerScope scope = new PointerScope()) {
            for (int l = 0; l < c.nLayers(); l++) {
                keys[l] = keep(torch.zeros(batch, c.nKvHeads(), capacity, c.headDim()));     // [B,Hkv,S,hd]
                values[l] = keep(torch.zeros(batch, c.nKvHeads(), capacity, c.headDim()));   // [B,Hkv,S,hd]
            }
            if (c.variant().slidingWindow() > 0) positions = keep(torch.zeros(new long[] {batch, capacity}, options(torch.ScalarType.Long)));
        }
    }

    /** Positions filled so far by lockstep appends. */
    public int length() { return length; }

    public int capacity() { return capacity; }

    public long batch() { return batch; }

    /** Key columns a forward of {@code t} tokens attends over: the mask's last dimension. */
    long keyColumns(long t) { return columns != null ? span : length + t; }

    /**
     * Makes the next forward (one token per row) write row b's key and value at column {@code column[b]} and
     * attend over columns [0, span); the caller's mask says which of them each row sees.
     */
    public void writeAt(long[] column, int span) {
        if (column.length != batch) throw new IllegalArgumentException(column.length + " columns for " + batch + " rows");
        if (span > capacity) throw new IllegalStateException("KV cache full: span " + span + " > capacity " + capacity);
        int hkv = config.nKvHeads(), hd = config.headDim();
        long[] index = new long[Math.toIntExact(batch * hkv * hd)];
        for (int b = 0; b < batch; b++) {
            if (column[b] >= span) throw new IllegalArgumentException("row " + b + " writes column " + column[b] + " >= span " + span);
            java.util.Arrays.fill(index, b * hkv * hd, (b + 1) * hkv * hd, column[b]);
        }
        this.columns = longs(index, batch, hkv, 1, hd);   // [B,Hkv,1,hd], in the caller's scope
        this.rowColumns = longs(column, batch, 1);        // [B,1]
        this.span = span;
    }

    /** Records the positions [B,T] of the tokens this forward writes, when sliding-window layers need them. */
    void notePositions(Tensor p) {
        noted = p.size(1);
        if (positions == null) return;
        if (columns != null) positions.scatter_(1, rowColumns, p);
        else positions.narrow(1, length, p.size(1)).copy_(p);
    }

    /** The positions [B,S] of the key columns this forward attends over (after {@link #notePositions}). */
    Tensor keyPositions() { return positions.narrow(1, 0, columns != null ? span : length + noted); }

    /** Writes this step's k, v [B,Hkv,T,hd] of layer l and returns the columns attended to [B,Hkv,S,hd]. */
    Tensor[] append(int layer, Tensor k, Tensor v) {
        if (columns != null) {
            keys[layer].scatter_(2, columns, k);
            values[layer].scatter_(2, columns, v);
            return new Tensor[] {keys[layer].narrow(2, 0, span), values[layer].narrow(2, 0, span)};
        }
        long t = k.size(2);
        if (length + t > capacity) {
            throw new IllegalStateException("KV cache full: " + length + " + " + t + " > capacity " + capacity);
        }
        keys[layer].narrow(2, length, t).copy_(k);
        values[layer].narrow(2, length, t).copy_(v);
        return new Tensor[] {keys[layer].narrow(2, 0, length + t), values[layer].narrow(2, 0, length + t)};
    }

    /** Called once per forward after all layers appended {@code t} positions. */
    void advance(long t) {
        if (columns != null) columns = rowColumns = null;
        else length += (int) t;
    }

    /**
     * Copies columns [0, src.length) of {@code src}'s rows {@code from} [R] into this cache's rows {@code to} [R]:
     * a prefill computed apart joins the batch. Columns past them keep what they held; the mask must hide them.
     */
    public void copyRows(KvCache src, Tensor from, Tensor to) {
        if (src.length > capacity) throw new IllegalStateException("prefill of " + src.length + " > capacity " + capacity);
        for (int l = 0; l < keys.length; l++) {
            keys[l].narrow(2, 0, src.length).index_copy_(0, to, src.keys[l].narrow(2, 0, src.length).index_select(0, from));
            values[l].narrow(2, 0, src.length).index_copy_(0, to, src.values[l].narrow(2, 0, src.length).index_select(0, from));
        }
        if (positions != null) {
            positions.narrow(1, 0, src.length).index_copy_(0, to, src.positions.narrow(1, 0, src.length).index_select(0, from));
        }
    }

    /** Keeps rows {@code rows} [R] only, in that order (finished rows leave a continuous batch). */
    public void keepRows(Tensor rows) {
        replace(t -> t.index_select(0, rows), p -> p.index_select(0, rows), rows.size(0), capacity);
    }

    /** Adds {@code extra} empty rows at the end and grows the columns to at least {@code minCapacity}. */
    public void grow(long extra, int minCapacity) {
        int cap = Math.max(capacity, minCapacity);
        replace(t -> {
            Tensor bigger = torch.zeros(batch + extra, config.nKvHeads(), cap, config.headDim());   // [B',Hkv,S',hd]
            bigger.narrow(0, 0, batch).narrow(2, 0, capacity).copy_(t);
            return bigger;
        }, p -> {
            Tensor bigger = torch.zeros(new long[] {batch + extra, cap}, options(torch.ScalarType.Long));           // [B',S']
            bigger.narrow(0, 0, batch).narrow(1, 0, capacity).copy_(p);
            return bigger;
        }, batch + extra, cap);
    }

    private void replace(java.util.function.UnaryOperator<Tensor> f, java.util.function.UnaryOperator<Tensor> fp, long newBatch,
                         int newCapacity) {
        try (PointerScope scope = new PointerScope()) {
            if (positions != null) {
                Tensor p = keep(fp.apply(positions));
                positions.close();
                positions = p;
            }
            for (int l = 0; l < keys.length; l++) {
                Tensor k = keep(f.apply(keys[l])), v = keep(f.apply(values[l]));
                keys[l].close();
                values[l].close();
                keys[l] = k;
                values[l] = v;
            }
        }
        batch = newBatch;
        capacity = newCapacity;
    }

    /** Frees the keys and values. */
    @Override public void close() {
        for (int l = 0; l < keys.length; l++) {
            keys[l].close();
            values[l].close();
        }
        if (positions != null) positions.close();
    }
}
