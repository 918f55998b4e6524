package org.jpo.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Llama forward for decoding small batches, in Java's Vector API over a float[] copy of the weights. A libtorch
 * decode step costs ~270 calls of a few µs each, which at batch 1 is the whole cost of a small model's token
 * (stories260K: 206 tok/s); here a token is a few loops over the weights (issue 24, README Performance).
 *
 * <p>Every number of a token is computed in an order that depends on that token alone: each output of a matrix product is
 * one chain of fused multiply-adds over the inputs in order ({@link #matmul}). So a row's logits do not depend on the rows
 * it shares a forward with, nor on how the loops are blocked, nor on whether the JIT has compiled them yet (horizontal
 * sums and vector {@code exp}, whose order or precision could change with compilation, are not used).
 */
public final class VectorLlama {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    private static final int CHUNK = 16;

    private final ModelConfig c;
    private final float[] embed, head, norm, invFreq;   // embed [V,D] as stored; head packed
    private final Layer[] layers;

    /** One block's weights, each matrix {@link #pack}ed; biases are null when the model has none. */
    private record Layer(float[] attnNorm, float[] wq, float[] bq, float[] wk, float[] bk, float[] wv, float[] bv, float[] wo,
                         float[] bo, float[] mlpNorm, float[] gate, float[] up, float[] down, float[] qNorm, float[] kNorm) {}

    VectorLlama(ModelConfig c, java.util.function.Function<String, float[]> weight, float[] invFreq) {
        this.c = c;
        this.embed = weight.apply("model.embed_tokens.weight");
        this.head = pack(c.tiedEmbeddings() ? embed : weight.apply("lm_head.weight"), c.vocabSize(), c.dim());
        this.norm = weight.apply("model.norm.weight");
        this.invFreq = invFreq;
        this.layers = new Layer[c.nLayers()];
        for (int l = 0; l < c.nLayers(); l++) {
            String p = "model.layers." + l + ".", a = p + "self_attn.";
            int d = c.dim(), q = c.qDim(), kv = c.kvDim(), f = c.hiddenDim();
            layers[l] = new Layer(weight.apply(p + "input_layernorm.weight"),
                    pack(weight.apply(a + "q_proj.weight"), q, d), c.qkvBias() ? weight.apply(a + "q_proj.bias") : null,
                    pack(weight.apply(a + "k_proj.weight"), kv, d), c.qkvBias() ? weight.apply(a + "k_proj.bias") : null,
                    pack(weight.apply(a + "v_proj.weight"), kv, d), c.qkvBias() ? weight.apply(a + "v_proj.bias") : null,
                    pack(weight.apply(a + "o_proj.weight"), d, q), c.outBias() ? weight.apply(a + "o_proj.bias") : null,
                    weight.apply(p + "post_attention_layernorm.weight"), pack(weight.apply(p + "mlp.gate_proj.weight"), f, d),
                    pack(weight.apply(p + "mlp.up_proj.weight"), f, d), pack(weight.apply(p + "mlp.down_proj.weight"), d, f),
                    c.qkNorm() ? weight.apply(a + "q_norm.weight") : null, c.qkNorm() ? weight.apply(a + "k_norm.weight") : null);
        }
    }

    public ModelConfig config() { return c; }


    /**
     * One row's keys and values for positions [0, capacity). Keys are stored by dimension, layer l's key of position t,
     * KV head h, dimension d at {@code k[l][(h·hd + d)·capacity + t]}, so a query's scores over positions are vector
     * multiply-adds with no horizontal sums; values by position, {@code v[l][t·kvDim + h·hd + d]}.
     */
    public static final class Cache {
        final float[][] k, v;
        final int capacity;

        Cache(int layers, int kvDim, int capacity) {
            this.capacity = capacity;
            k = new float[layers][kvDim * capacity];
            v = new float[layers][kvDim * capacity];
        }

        /** Positions this cache holds. */
        public int capacity() { return capacity; }

        /** Copies positions [0, n) from {@code from}: the prompt a row shares with its siblings. */
        public void copyFrom(Cache from, int n, ModelConfig c) {
            for (int l = 0; l < k.length; l++) {
                for (int e = 0; e < c.kvDim(); e++) System.arraycopy(from.k[l], e * from.capacity, k[l], e * capacity, n);
                System.arraycopy(from.v[l], 0, v[l], 0, n * c.kvDim());
            }
        }

        void write(int layer, int position, float[] key, float[] value, int at, int kvDim) {
            for (int e = 0; e < kvDim; e++) k[layer][e * capacity + position] = key[at + e];
            System.arraycopy(value, at, v[layer], position * kvDim, kvDim);
        }
    }

    /** A cache for positions [0, capacity). */
    public Cache newCache(int capacity) { return new Cache(c.nLayers(), c.kvDim(), capacity); }

    /**
     * Buffers one forward of up to n tokens works in, kept between forwards so a decode step allocates nothing. Not
     * shared between threads.
     */
    public static final class Workspace {
        private int n = -1;
        private float[] x, h, q, k, v, y, gate, up, scores, angles, logits = new float[0];

        void fitLogits(int size) {
            if (logits.length < size) logits = new float[size];
        }

        void fit(ModelConfig c, int tokens, int window) {
            if (tokens <= n) return;
            n = tokens;
            x = new float[n * c.dim()];
            h = new float[n * c.dim()];
            q = new float[n * c.qDim()];
            k = new float[n * c.kvDim()];
            v = new float[n * c.kvDim()];
            y = new float[n * c.qDim()];
            gate = new float[n * c.hiddenDim()];
            up = new float[n * c.hiddenDim()];
            scores = new float[window * (c.nHeads() / c.nKvHeads())];
            angles = new float[c.headDim()];
        }
    }

    /**
     * Forwards n tokens: token j is {@code ids[j]} at position {@code pos[j]} of row {@code rows[j]}'s cache. Each layer
     * writes every token's key and value before any attends, so a row's tokens may share a forward (a prompt's
     * prefill); token j attends to its row's positions [0, pos[j]]. Writes the logits of token j into {@code logits[j]}
     * when that is not null.
     */
    public void forward(int[] ids, int[] pos, Cache[] rows, float[][] logits, Workspace w) {
        int n = ids.length, d = c.dim(), qd = c.qDim(), kvd = c.kvDim(), f = c.hiddenDim();
        w.fit(c, n, c.maxSeqLen());
        for (int j = 0; j < n; j++) System.arraycopy(embed, ids[j] * d, w.x, j * d, d);
        for (int l = 0; l < layers.length; l++) {
            Layer b = layers[l];
            rmsNorm(w.x, b.attnNorm, w.h, n);
            matmul(w.h, n, d, b.wq, b.bq, qd, w.q, false);
            matmul(w.h, n, d, b.wk, b.bk, kvd, w.k, false);
            matmul(w.h, n, d, b.wv, b.bv, kvd, w.v, false);
            for (int j = 0; j < n; j++) {
                if (b.qNorm != null) {
                    headNorm(w.q, j * qd, c.nHeads(), b.qNorm);
                    headNorm(w.k, j * kvd, c.nKvHeads(), b.kNorm);
                }
                rotate(w.q, j * qd, c.nHeads(), pos[j], w.angles);
                rotate(w.k, j * kvd, c.nKvHeads(), pos[j], w.angles);
                rows[j].write(l, pos[j], w.k, w.v, j * kvd, kvd);
            }
            for (int j = 0; j < n; j++) attend(w.q, j * qd, rows[j], l, pos[j], w.y, w.scores);
            matmul(w.y, n, qd, b.wo, b.bo, d, w.x, true);
            rmsNorm(w.x, b.mlpNorm, w.h, n);
            matmul(w.h, n, d, b.gate, null, f, w.gate, false);
            matmul(w.h, n, d, b.up, null, f, w.up, false);
            swiglu(w.gate, w.up, n * f);
            matmul(w.gate, n, f, b.down, null, d, w.x, true);
        }
        rmsNorm(w.x, norm, w.h, n);
        int m = 0;   // the tokens whose logits are wanted, gathered so the head's tiles cover them together
        for (int j = 0; j < n; j++) if (logits[j] != null) System.arraycopy(w.h, j * d, w.x, m++ * d, d);
        w.fitLogits(m * c.vocabSize());
        matmul(w.x, m, d, head, null, c.vocabSize(), w.logits, false);
        for (int j = 0, k = 0; j < n; j++) if (logits[j] != null) System.arraycopy(w.logits, k++ * c.vocabSize(), logits[j], 0, c.vocabSize());
    }

    /** out[j] = x[j]·rsqrt(mean(x[j]²) + eps)·weight for the n rows of width D. */
    private void rmsNorm(float[] x, float[] weight, float[] out, int n) {
        int d = c.dim();
        for (int j = 0; j < n; j++) {
            double ss = 0;
            for (int i = 0; i < d; i++) ss += x[j * d + i] * x[j * d + i];
            float r = (float) (1 / Math.sqrt(ss / d + c.normEps()));
            for (int i = 0; i < d; i++) out[j * d + i] = x[j * d + i] * r * weight[i];
        }
    }

    /** Each of one token's heads RMS-normalized over its hd dimensions and scaled by {@code weight} [hd] (Qwen3). */
    private void headNorm(float[] x, int at, int heads, float[] weight) {
        int hd = c.headDim();
        for (int h = 0; h < heads; h++) {
            int o = at + h * hd;
            double ss = 0;
            for (int i = 0; i < hd; i++) ss += x[o + i] * x[o + i];
            float r = (float) (1 / Math.sqrt(ss / hd + c.normEps()));
            for (int i = 0; i < hd; i++) x[o + i] = x[o + i] * r * weight[i];
        }
    }

    /**
     * Rotary embedding of one token's heads at {@code at}, HF rotate_half layout (dimension i pairs with i + hd/2). The
     * angle is position·inv_freq rounded to float, as libtorch's forward computes it.
     */
    private void rotate(float[] x, int at, int heads, int position, float[] cosSin) {
        int hd = c.headDim(), half = hd / 2;
        for (int i = 0; i < half; i++) {
            float a = (float) position * invFreq[i];
            cosSin[i] = (float) Math.cos(a);
            cosSin[half + i] = (float) Math.sin(a);
        }
        for (int h = 0; h < heads; h++) {
            int o = at + h * hd;
            for (int i = 0; i < half; i++) {
                float x1 = x[o + i], x2 = x[o + half + i], cos = cosSin[i], sin = cosSin[half + i];
                x[o + i] = x1 * cos - x2 * sin;
                x[o + half + i] = x2 * cos + x1 * sin;
            }
        }
    }

    /**
     * One token's attention over its row's positions [0, last]: each query head's scores are q·k accumulated over the head's
     * dimensions in order, a vector of positions at a time, the KV head's keys loaded once for all query heads of its group;
     * then softmax, and the values weighted by the unnormalized probabilities and divided by their sum.
     */
    private void attend(float[] q, int at, Cache cache, int layer, int last, float[] y, float[] scores) {
        int hd = c.headDim(), kvd = c.kvDim(), group = c.nHeads() / c.nKvHeads(), n = last + 1, cap = cache.capacity;
        float[] keys = cache.k[layer], values = cache.v[layer];
        float scale = (float) (1 / Math.sqrt(hd));
        for (int kh = 0; kh < c.nKvHeads(); kh++) {
            for (int g = 0; g < group; g++) {
                int qo = at + (kh * group + g) * hd, so = g * n, t = 0;
                for (; t <= n - 4 * L; t += 4 * L) {   // four blocks of positions: four multiply-add chains at once
                    FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                    for (int d = 0; d < hd; d++) {
                        int k = (kh * hd + d) * cap + t;
                        FloatVector b = FloatVector.broadcast(F, q[qo + d]);
                        a0 = FloatVector.fromArray(F, keys, k).fma(b, a0);
                        a1 = FloatVector.fromArray(F, keys, k + L).fma(b, a1);
                        a2 = FloatVector.fromArray(F, keys, k + 2 * L).fma(b, a2);
                        a3 = FloatVector.fromArray(F, keys, k + 3 * L).fma(b, a3);
                    }
                    a0.intoArray(scores, so + t);
                    a1.intoArray(scores, so + t + L);
                    a2.intoArray(scores, so + t + 2 * L);
                    a3.intoArray(scores, so + t + 3 * L);
                }
                for (; t <= n - L; t += L) {
                    FloatVector acc = FloatVector.zero(F);
                    for (int d = 0; d < hd; d++) {
                        acc = FloatVector.fromArray(F, keys, (kh * hd + d) * cap + t).fma(FloatVector.broadcast(F, q[qo + d]), acc);
                    }
                    acc.intoArray(scores, so + t);
                }
                for (; t < n; t++) {
                    float acc = 0;
                    for (int d = 0; d < hd; d++) acc = Math.fma(keys[(kh * hd + d) * cap + t], q[qo + d], acc);
                    scores[so + t] = acc;
                }
            }
            for (int g = 0; g < group; g++) {
                int so = g * n;
                float sum = softmaxNumerators(scores, so, n, scale);
                weighValues(scores, so, n, values, kh * hd, kvd, hd, sum, y, at + (kh * group + g) * hd);
            }
        }
    }

    /** s ← exp(scale·s − max) over [so, so+n); returns the sum of the new values (lane partial sums, then in order). */
    private static float softmaxNumerators(float[] s, int so, int n, float scale) {
        float max = Float.NEGATIVE_INFINITY;
        for (int t = 0; t < n; t++) max = Math.max(max, s[so + t] *= scale);
        FloatVector partial = FloatVector.zero(F);
        int t = 0;
        for (; t <= n - L; t += L) {
            FloatVector e = exp(FloatVector.fromArray(F, s, so + t).sub(max));
            e.intoArray(s, so + t);
            partial = partial.add(e);
        }
        float sum = 0;
        for (int lane = 0; lane < L; lane++) sum += partial.lane(lane);
        for (; t < n; t++) sum += s[so + t] = exp(s[so + t] - max);
        return sum;
    }

    /**
     * y[yo..yo+hd) = Σ_t p[t]·values[t·kvd + vo ..] / sum: four partial sums over t ≡ 0, 1, 2, 3 (mod 4), each in order,
     * then ((0 + 1) + (2 + 3)), so four multiply-add chains run at once.
     */
    private static void weighValues(float[] p, int po, int n, float[] values, int vo, int kvd, int hd, float sum, float[] y, int yo) {
        int d = 0;
        for (; d <= hd - L; d += L) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            int t = 0, v = vo + d;
            for (; t + 4 <= n; t += 4) {
                a0 = FloatVector.fromArray(F, values, t * kvd + v).fma(FloatVector.broadcast(F, p[po + t]), a0);
                a1 = FloatVector.fromArray(F, values, (t + 1) * kvd + v).fma(FloatVector.broadcast(F, p[po + t + 1]), a1);
                a2 = FloatVector.fromArray(F, values, (t + 2) * kvd + v).fma(FloatVector.broadcast(F, p[po + t + 2]), a2);
                a3 = FloatVector.fromArray(F, values, (t + 3) * kvd + v).fma(FloatVector.broadcast(F, p[po + t + 3]), a3);
            }
            if (t < n) a0 = FloatVector.fromArray(F, values, t * kvd + v).fma(FloatVector.broadcast(F, p[po + t]), a0);
            if (t + 1 < n) a1 = FloatVector.fromArray(F, values, (t + 1) * kvd + v).fma(FloatVector.broadcast(F, p[po + t + 1]), a1);
            if (t + 2 < n) a2 = FloatVector.fromArray(F, values, (t + 2) * kvd + v).fma(FloatVector.broadcast(F, p[po + t + 2]), a2);
            a0.add(a1).add(a2.add(a3)).div(sum).intoArray(y, yo + d);
        }
        for (; d < hd; d++) {
            float[] a = new float[4];
            for (int t = 0; t < n; t++) a[t % 4] = Math.fma(values[t * kvd + vo + d], p[po + t], a[t % 4]);
            y[yo + d] = ((a[0] + a[1]) + (a[2] + a[3])) / sum;
        }
    }

    private static final float LOG2E = 1.44269504f, LN2_HI = 0.693145751953125f, LN2_LO = 1.42860677e-6f, ROUND = 12582912f;   // 1.5·2²³
    private static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);
    private static final float[] TAYLOR = {1 / 720f, 1 / 120f, 1 / 24f, 1 / 6f, 0.5f, 1f, 1f};

    /**
     * e^x as 2^k·e^r with k = round(x·log₂e) and r = x − k·ln 2 (Cody–Waite), e^r by its Taylor series to r⁶ (|r| ≤ ln2/2:
     * relative error below 2e-7). Only adds, multiplies, fused multiply-adds and integer bit operations, so the vector
     * version below gives the same bits in every lane and in every compilation mode (Math.exp is a call per number, and a
     * vector exp's precision may change with the JIT). x is clamped to [−87, 88].
     */
    static float exp(float x) {
        x = Math.max(-87f, Math.min(88f, x));
        float shifted = x * LOG2E + ROUND, k = shifted - ROUND;   // k's integer sits in shifted's low mantissa bits
        float r = Math.fma(k, -LN2_LO, Math.fma(k, -LN2_HI, x));
        float p = TAYLOR[0];
        for (int i = 1; i < TAYLOR.length; i++) p = Math.fma(p, r, TAYLOR[i]);
        return p * Float.intBitsToFloat((Float.floatToRawIntBits(shifted) - ROUND_BITS + 127) << 23);
    }

    /** {@link #exp(float)} in every lane. */
    static FloatVector exp(FloatVector x) {
        x = x.max(-87f).min(88f);
        FloatVector shifted = x.mul(LOG2E).add(ROUND), k = shifted.sub(ROUND);
        FloatVector r = k.fma(FloatVector.broadcast(F, -LN2_HI), x);
        r = k.fma(FloatVector.broadcast(F, -LN2_LO), r);
        FloatVector p = FloatVector.broadcast(F, TAYLOR[0]);
        for (int i = 1; i < TAYLOR.length; i++) p = p.fma(r, FloatVector.broadcast(F, TAYLOR[i]));
        IntVector bits = ((IntVector) shifted.reinterpretAsInts()).sub(ROUND_BITS - 127).lanewise(VectorOperators.LSHL, 23);   // F2I is not intrinsified in JDK 17
        return p.mul(bits.reinterpretAsFloats());
    }

    /** gate ← silu(gate)·up = gate / (1 + e^(−gate)) · up over [0, n). */
    private static void swiglu(float[] gate, float[] up, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector g = FloatVector.fromArray(F, gate, i);
            g.div(exp(g.neg()).add(1f)).mul(FloatVector.fromArray(F, up, i)).intoArray(gate, i);
        }
        for (; i < n; i++) gate[i] = gate[i] / (exp(-gate[i]) + 1f) * up[i];
    }

    /**
     * y[j] = x[j]·Wᵀ + bias (or y[j] += that, a residual branch) for rows j ∈ [0, n) of width {@code in}, W [out, in] stored
     * as {@link #pack}ed panels. A vector of outputs accumulates x[j, i]·W[o..o+L, i] over i with no horizontal sums. Each
     * output is the same sum whichever tile computes it: fused multiply-adds over each chunk of {@link #CHUNK} inputs in
     * order, the chunks' sums added in order (float32 error grows with a chain's length: one chain per output put the
     * stories260K logits 1.6e-5 from a float64 forward, chunks of 16 7.2e-6; libtorch's are 1.3e-5 away). So the loops
     * below change the speed, never the numbers: a panel is read from memory once and stays in L1 while every row block
     * of 4 uses it, each weight vector loaded once for 4 rows.
     */
    static void matmul(float[] x, int n, int in, float[] packed, float[] bias, int out, float[] y, boolean add) {
        for (int o = 0; o < out; o += PANEL) {
            int width = Math.min(PANEL, out - o), base = o * in, vectors = width / L, j = 0;
            for (; j + 4 <= n; j += 4) {
                int v = 0;
                for (; v + 2 <= vectors; v += 2) tile4x2(x, j * in, in, packed, base, width, v * L, y, j * out + o, out, add);
                for (; v < vectors; v++) tile4x1(x, j * in, in, packed, base, width, v * L, y, j * out + o, out, add);
            }
            for (; j < n; j++) {
                int v = 0;
                for (; v + 4 <= vectors; v += 4) tile1x4(x, j * in, in, packed, base, width, v * L, y, j * out + o, add);
                for (; v < vectors; v++) tile1x1(x, j * in, in, packed, base, width, v * L, y, j * out + o, add);
            }
            for (int col = vectors * L; col < width; col++) {
                for (j = 0; j < n; j++) {
                    float acc = scalar(x, j * in, in, packed, base, width, col);
                    int at = j * out + o + col;
                    y[at] = add ? y[at] + acc : acc;
                }
            }
        }
        if (bias != null) {
            for (int j = 0; j < n; j++) for (int o = 0; o < out; o++) y[j * out + o] += bias[o];
        }
    }

    /** Outputs per panel: 4 vectors. */
    private static final int PANEL = 4 * L;

    /**
     * W [out, in] as panels of {@link #PANEL} outputs (the last may be narrower), each [in, width] contiguous: a tile reads
     * its panel front to back.
     */
    static float[] pack(float[] w, int out, int in) {
        float[] packed = new float[w.length];
        for (int o = 0; o < out; o += PANEL) {
            int width = Math.min(PANEL, out - o);
            for (int i = 0; i < in; i++) {
                for (int c = 0; c < width; c++) packed[o * in + i * width + c] = w[(o + c) * in + i];
            }
        }
        return packed;
    }

    private static void tile4x2(float[] x, int x0, int in, float[] p, int base, int width, int col, float[] y, int y0, int out,
                                boolean add) {
        FloatVector z = FloatVector.zero(F), s00 = z, s01 = z, s10 = z, s11 = z, s20 = z, s21 = z, s30 = z, s31 = z;
        for (int c = 0; c < in; c += CHUNK) {
            FloatVector a00 = z, a01 = z, a10 = z, a11 = z, a20 = z, a21 = z, a30 = z, a31 = z;
            for (int i = c, end = Math.min(in, c + CHUNK); i < end; i++) {
                int w = base + i * width + col;
                FloatVector w0 = FloatVector.fromArray(F, p, w), w1 = FloatVector.fromArray(F, p, w + L);
                FloatVector b = FloatVector.broadcast(F, x[x0 + i]);
                a00 = w0.fma(b, a00);
                a01 = w1.fma(b, a01);
                b = FloatVector.broadcast(F, x[x0 + in + i]);
                a10 = w0.fma(b, a10);
                a11 = w1.fma(b, a11);
                b = FloatVector.broadcast(F, x[x0 + 2 * in + i]);
                a20 = w0.fma(b, a20);
                a21 = w1.fma(b, a21);
                b = FloatVector.broadcast(F, x[x0 + 3 * in + i]);
                a30 = w0.fma(b, a30);
                a31 = w1.fma(b, a31);
            }
            s00 = s00.add(a00); s01 = s01.add(a01); s10 = s10.add(a10); s11 = s11.add(a11);
            s20 = s20.add(a20); s21 = s21.add(a21); s30 = s30.add(a30); s31 = s31.add(a31);
        }
        int at = y0 + col;
        store(s00, y, at, add); store(s01, y, at + L, add);
        store(s10, y, at + out, add); store(s11, y, at + out + L, add);
        store(s20, y, at + 2 * out, add); store(s21, y, at + 2 * out + L, add);
        store(s30, y, at + 3 * out, add); store(s31, y, at + 3 * out + L, add);
    }

    private static void tile4x1(float[] x, int x0, int in, float[] p, int base, int width, int col, float[] y, int y0, int out,
                                boolean add) {
        FloatVector z = FloatVector.zero(F), s0 = z, s1 = z, s2 = z, s3 = z;
        for (int c = 0; c < in; c += CHUNK) {
            FloatVector a0 = z, a1 = z, a2 = z, a3 = z;
            for (int i = c, end = Math.min(in, c + CHUNK); i < end; i++) {
                FloatVector w = FloatVector.fromArray(F, p, base + i * width + col);
                a0 = w.fma(FloatVector.broadcast(F, x[x0 + i]), a0);
                a1 = w.fma(FloatVector.broadcast(F, x[x0 + in + i]), a1);
                a2 = w.fma(FloatVector.broadcast(F, x[x0 + 2 * in + i]), a2);
                a3 = w.fma(FloatVector.broadcast(F, x[x0 + 3 * in + i]), a3);
            }
            s0 = s0.add(a0); s1 = s1.add(a1); s2 = s2.add(a2); s3 = s3.add(a3);
        }
        int at = y0 + col;
        store(s0, y, at, add); store(s1, y, at + out, add); store(s2, y, at + 2 * out, add); store(s3, y, at + 3 * out, add);
    }

    private static void tile1x4(float[] x, int x0, int in, float[] p, int base, int width, int col, float[] y, int y0, boolean add) {
        FloatVector z = FloatVector.zero(F), s0 = z, s1 = z, s2 = z, s3 = z;
        for (int c = 0; c < in; c += CHUNK) {
            FloatVector a0 = z, a1 = z, a2 = z, a3 = z;
            for (int i = c, end = Math.min(in, c + CHUNK); i < end; i++) {
                int w = base + i * width + col;
                FloatVector b = FloatVector.broadcast(F, x[x0 + i]);
                a0 = FloatVector.fromArray(F, p, w).fma(b, a0);
                a1 = FloatVector.fromArray(F, p, w + L).fma(b, a1);
                a2 = FloatVector.fromArray(F, p, w + 2 * L).fma(b, a2);
                a3 = FloatVector.fromArray(F, p, w + 3 * L).fma(b, a3);
            }
            s0 = s0.add(a0); s1 = s1.add(a1); s2 = s2.add(a2); s3 = s3.add(a3);
        }
        int at = y0 + col;
        store(s0, y, at, add); store(s1, y, at + L, add); store(s2, y, at + 2 * L, add); store(s3, y, at + 3 * L, add);
    }

    private static void tile1x1(float[] x, int x0, int in, float[] p, int base, int width, int col, float[] y, int y0, boolean add) {
        FloatVector s = FloatVector.zero(F);
        for (int c = 0; c < in; c += CHUNK) {
            FloatVector a = FloatVector.zero(F);
            for (int i = c, end = Math.min(in, c + CHUNK); i < end; i++) {
                a = FloatVector.fromArray(F, p, base + i * width + col).fma(FloatVector.broadcast(F, x[x0 + i]), a);
            }
            s = s.add(a);
        }
        store(s, y, y0 + col, add);
    }

    /** The same chunked sum for one output past the last full vector of a panel. */
    private static float scalar(float[] x, int x0, int in, float[] p, int base, int width, int col) {
        float s = 0;
        for (int c = 0; c < in; c += CHUNK) {
            float a = 0;
            for (int i = c, end = Math.min(in, c + CHUNK); i < end; i++) a = Math.fma(x[x0 + i], p[base + i * width + col], a);
            s += a;
        }
        return s;
    }

    private static void store(FloatVector acc, float[] y, int at, boolean add) {
        (add ? FloatVector.fromArray(F, y, at).add(acc) : acc).intoArray(y, at);
    }

}
