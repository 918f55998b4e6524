package org.jpo.model;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import static org.jpo.tensor.Tensors.*;

/**
 * Keys and values of every layer for B rows, preallocated to {@code capacity} columns: [B, Hkv, capacity, hd]
 * per layer. The cache owns its tensors ({@link #close()} frees them) so a continuous batch can resize it
 * between steps. Rows either advance in lockstep ({@link #append} at {@link #length()}, as in a prefill) or
 * each at its own column ({@link #writeAt}, as in a decode step where rows started at different times).
 *
 * <p>A sliding-window layer keeps only its window: a ring of R = min(sliding_window, capacity) slots, [B, Hkv, R, hd],
 * where column c's key lives in slot c mod R. Each slot remembers its key's position and column, so the layer attends
 * over the ring (a one-token step writes into it first) or, for a longer forward, the ring as it was plus the
 * forward's own keys, under the caller's column mask carried over to the slots ({@link #ringMask}) and the window.
 */
public final class KvCache implements AutoCloseable {
    /** The position an empty ring slot claims: so far back that every window leaves it out. */
    private static final long EMPTY = Long.MIN_VALUE / 4;

    private final ModelConfig config;
    private final boolean[] ring;    // per layer: a sliding layer, whose keys live in a ring of `slots` columns
    private Tensor[] keys, values;   // [B,Hkv,capacity,hd], or [B,Hkv,slots,hd] for a ring layer
    private long batch;
    private int capacity;
    private int slots;               // R = min(sliding_window, capacity); 0 without ring layers
    private Tensor slotPositions;    // [B,R] the position of each slot's key, EMPTY for none; null without ring layers
    private Tensor slotColumns;      // [B,R] the column each slot's key was written at
    private int length;
    private Tensor columns;   // [B,Hkv,1,hd] where each row writes the next step's key, or null (lockstep)
    private Tensor rowColumns;   // [B,1] the same columns, for the rings (null without them)
    private int span;         // key columns the next step attends over when columns is set
    // the forward under way, set by begin() (in the caller's scope): its columns and positions [B,T], the ring slots
    // its last m = min(T, R) keys go to ([B,m], and as a scatter index [B,Hkv,m,hd]), and the ring layers' mask
    private Tensor newColumns, newPositions, newSlots, newSlotIndex, forwardRingMask;
    private boolean inPlace;         // one token a row: its key goes into the ring first, and the layer attends over the ring

    KvCache(ModelConfig c, long batch, int capacity) {
        this.config = c;
        this.batch = batch;
        this.capacity = capacity;
        ring = new boolean[c.nLayers()];
        for (int l = 0; l < ring.length; l++) ring[l] = c.variant().slides(l);
        slots = c.variant().slidingWindow() > 0 ? Math.min(c.variant().slidingWindow(), capacity) : 0;
        keys = new Tensor[c.nLayers()];
        values = new Tensor[c.nLayers()];
        try (PointerScope scope = new PointerScope()) {
            for (int l = 0; l < c.nLayers(); l++) {
                int columns = ring[l] ? slots : capacity;
                keys[l] = keep(torch.zeros(batch, c.nKvHeads(), columns, c.headDim()));     // [B,Hkv,S,hd]
                values[l] = keep(torch.zeros(batch, c.nKvHeads(), columns, c.headDim()));   // [B,Hkv,S,hd]
            }
            if (slots > 0) {
                slotPositions = keep(filled(batch, slots, EMPTY));                            // [B,R]
                slotColumns = keep(filled(batch, slots, 0));                                  // [B,R]
            }
        }
    }

    private static Tensor filled(long rows, long cols, long value) {
        return torch.full(new long[] {rows, cols}, new Scalar(value), options(torch.ScalarType.Long));
    }

    /** Positions filled so far by lockstep appends. */
    public int length() { return length; }

    public int capacity() { return capacity; }

    public long batch() { return batch; }

    /** Columns of keys layer l holds: the capacity, or its ring's slots. */
    int columnsHeld(int layer) { return (int) keys[layer].size(2); }

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
        this.rowColumns = slots > 0 ? longs(column, batch, 1) : null;   // [B,1], for the rings
        this.span = span;
    }

    /** Starts a forward of the tokens at {@code positions} [B,T]: where their keys go in the rings. */
    void begin(Tensor positions) {
        forwardRingMask = null;
        if (slots == 0) return;
        long b = positions.size(0), t = positions.size(1);
        if (columns == null && length + t > capacity) {
            throw new IllegalStateException("KV cache full: " + length + " + " + t + " > capacity " + capacity);
        }
        newPositions = positions;
        newColumns = columns != null ? rowColumns
                : torch.arange(s(length), s(length + t), options(torch.ScalarType.Long)).unsqueeze(0).expand(b, t);   // [B,T]
        int m = (int) Math.min(t, slots);   // a longer forward leaves only its last R keys in the ring
        newSlots = newColumns.narrow(1, t - m, m).remainder(new Scalar((long) slots)).contiguous();                                 // [B,m]
        newSlotIndex = newSlots.unsqueeze(1).unsqueeze(3).expand(b, config.nKvHeads(), m, config.headDim()).contiguous();   // [B,Hkv,m,hd]
        // One token overwrites the key R columns back, which is outside the window when R is the window, and an empty
        // slot when R is the capacity (nothing has wrapped). A longer forward's queries may need what it overwrites.
        inPlace = t == 1;
        if (inPlace) note();
    }

    /** Records the new keys' positions and columns in their slots. */
    private void note() {
        long t = newPositions.size(1), m = newSlots.size(1);
        slotPositions.scatter_(1, newSlots, newPositions.narrow(1, t - m, m));
        slotColumns.scatter_(1, newSlots, newColumns.narrow(1, t - m, m));
    }

    /**
     * Writes this step's k, v [B,Hkv,T,hd] of layer l and returns the keys and values attended to: columns [0, S)
     * [B,Hkv,S,hd]; for a ring layer its R slots with this token in place ([B,Hkv,R,hd]), or for a longer forward
     * the slots as they were, then these T ([B,Hkv,R+T,hd]).
     */
    Tensor[] append(int layer, Tensor k, Tensor v) {
        if (ring[layer]) {
            Tensor[] seen = inPlace ? null : new Tensor[] {torch.cat(new TensorVector(keys[layer], k), 2), torch.cat(new TensorVector(values[layer], v), 2)};
            long t = k.size(2), m = newSlots.size(1);
            keys[layer].scatter_(2, newSlotIndex, k.narrow(2, t - m, m));
            values[layer].scatter_(2, newSlotIndex, v.narrow(2, t - m, m));
            return inPlace ? new Tensor[] {keys[layer].narrow(2, 0, ringSeen()), values[layer].narrow(2, 0, ringSeen())} : seen;
        }
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

    /** Slots a one-token forward attends over: all R, or while nothing has wrapped (R = capacity) the span's columns. */
    private int ringSeen() { return slots == capacity ? (int) keyColumns(1) : slots; }

    /** Whether layer l keeps only its window ({@link #append} then returns the ring and this forward's keys). */
    boolean rings(int layer) { return ring[layer]; }

    /**
     * The mask [B,1,T,K] of the K keys {@link #append} gave a ring layer: the caller's column mask [B,1,T,S] read at
     * each key's column, and only keys fewer than sliding_window positions behind the query. The same for every ring
     * layer of the forward.
     */
    Tensor ringMask(Tensor mask) {
        if (forwardRingMask != null) return forwardRingMask;
        long b = newPositions.size(0), t = newPositions.size(1);
        Tensor cols = inPlace ? slotColumns.narrow(1, 0, ringSeen()) : torch.cat(new TensorVector(slotColumns, newColumns), 1);        // [B,K]
        Tensor pos = inPlace ? slotPositions.narrow(1, 0, ringSeen()) : torch.cat(new TensorVector(slotPositions, newPositions), 1);   // [B,K]
        // an idle row's slots may hold columns past this step's span (a busy row's never do): clamped, as that row's
        // output is thrown away
        long span = mask.size(3);
        Tensor index = cols.clamp_max(new Scalar(span - 1)).unsqueeze(1).unsqueeze(1).expand(b, 1, t, cols.size(1));   // [B,1,T,K]
        Tensor seen = mask.expand(b, 1, t, span).gather(3, index);
        Tensor back = newPositions.unsqueeze(2).sub(pos.unsqueeze(1)).unsqueeze(1);              // [B,1,T,K] query − key
        forwardRingMask = seen.logical_and(back.lt(s(config.variant().slidingWindow())));
        return forwardRingMask;
    }

    /** Called once per forward after all layers appended {@code t} positions. */
    void advance(long t) {
        if (slots > 0) {
            if (!inPlace) note();
            newColumns = newPositions = newSlots = newSlotIndex = forwardRingMask = null;
        }
        if (columns != null) columns = rowColumns = null;
        else length += (int) t;
    }

    /**
     * Copies columns [0, src.length) of {@code src}'s rows {@code from} [R] into this cache's rows {@code to} [R]:
     * a prefill computed apart joins the batch. Columns past them keep what they held; the mask must hide them.
     * A ring gets src's slots (src holds at most as many: its capacity is no larger) and no others.
     */
    public void copyRows(KvCache src, Tensor from, Tensor to) {
        if (src.length > capacity) throw new IllegalStateException("prefill of " + src.length + " > capacity " + capacity);
        for (int l = 0; l < keys.length; l++) {
            int n = ring[l] ? src.slots : src.length;
            keys[l].narrow(2, 0, n).index_copy_(0, to, src.keys[l].narrow(2, 0, n).index_select(0, from));
            values[l].narrow(2, 0, n).index_copy_(0, to, src.values[l].narrow(2, 0, n).index_select(0, from));
        }
        if (slots > 0) {
            Tensor pos = filled(from.size(0), slots, EMPTY), cols = filled(from.size(0), slots, 0);   // [R,slots]
            pos.narrow(1, 0, src.slots).copy_(src.slotPositions.index_select(0, from));
            cols.narrow(1, 0, src.slots).copy_(src.slotColumns.index_select(0, from));
            slotPositions.index_copy_(0, to, pos);
            slotColumns.index_copy_(0, to, cols);
        }
    }

    /** Keeps rows {@code rows} [R] only, in that order (finished rows leave a continuous batch). */
    public void keepRows(Tensor rows) {
        try (PointerScope scope = new PointerScope()) {
            for (int l = 0; l < keys.length; l++) {
                keys[l] = swap(keys[l], keys[l].index_select(0, rows));
                values[l] = swap(values[l], values[l].index_select(0, rows));
            }
            if (slots > 0) {
                slotPositions = swap(slotPositions, slotPositions.index_select(0, rows));
                slotColumns = swap(slotColumns, slotColumns.index_select(0, rows));
            }
        }
        batch = rows.size(0);
    }

    /**
     * Adds {@code extra} empty rows at the end and grows the columns to at least {@code minCapacity}. A ring grows
     * with the capacity up to its window; until then no column has wrapped, so its slots keep their places.
     */
    public void grow(long extra, int minCapacity) {
        int cap = Math.max(capacity, minCapacity), ringSlots = slots == 0 ? 0 : Math.min(config.variant().slidingWindow(), cap);
        long rows = batch + extra;
        try (PointerScope scope = new PointerScope()) {
            for (int l = 0; l < keys.length; l++) {
                int columns = ring[l] ? ringSlots : cap;
                keys[l] = swap(keys[l], enlarged(keys[l], 2, torch.zeros(rows, config.nKvHeads(), columns, config.headDim())));
                values[l] = swap(values[l], enlarged(values[l], 2, torch.zeros(rows, config.nKvHeads(), columns, config.headDim())));
            }
            if (slots > 0) {
                slotPositions = swap(slotPositions, enlarged(slotPositions, 1, filled(rows, ringSlots, EMPTY)));
                slotColumns = swap(slotColumns, enlarged(slotColumns, 1, filled(rows, ringSlots, 0)));
            }
        }
        batch = rows;
        capacity = cap;
        slots = ringSlots;
    }

    /** {@code into} (the new shape, empty) with {@code t} copied into its first rows and columns along {@code dim}. */
    private Tensor enlarged(Tensor t, int dim, Tensor into) {
        into.narrow(0, 0, batch).narrow(dim, 0, t.size(dim)).copy_(t);
        return into;
    }

    /** Keeps {@code next} beyond the caller's scope and frees {@code old}. */
    private static Tensor swap(Tensor old, Tensor next) {
        Tensor kept = keep(next);
        old.close();
        return kept;
    }

    /** Frees the keys and values. */
    @Override public void close() {
        for (int l = 0; l < keys.length; l++) {
            keys[l].close();
            values[l].close();
        }
        if (slotPositions != null) {
            slotPositions.close();
            slotColumns.close();
        }
    }
}
