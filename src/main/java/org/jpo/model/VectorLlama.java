package org.jpo.model;

import jdk.incubator.vector.FloatVector;

import static org.jpo.model.VectorKernels.*;

/**
 * The forward of the Llama family and its relatives ({@link ModelConfig.Variant}) for decoding small batches, in
 * Java's Vector API over a float[] copy of the weights. A libtorch decode step costs ~270 calls of a few µs each,
 * which at batch 1 is the whole cost of a small model's token (stories260K: 206 tok/s); here a token is a few loops
 * over the weights (issue 24, README Performance).
 *
 * <p>Every number of a token is computed in an order that depends on that token alone: each output of a matrix product is
 * one fixed sum over the inputs ({@link VectorKernels#matmul}). So a row's logits do not depend on the rows
 * it shares a forward with, nor on how the loops are blocked, nor on whether the JIT has compiled them yet (horizontal
 * sums and vector {@code exp}, whose order or precision could change with compilation, are not used).
 */
public final class VectorLlama {

    private final ModelConfig c;
    private final ModelConfig.Variant var;
    private final float[] embed, head, norm, invFreq, localInvFreq;   // embed [V,D] as stored (× √D for Gemma); head packed
    private final Layer[] layers;

    /**
     * One block's weights, each matrix {@link VectorKernels#pack}ed; biases are null when the model has none, the q/k norms
     * without them, the MLP's input and output norms unless the model is Gemma's (whose norms here hold 1 + w).
     */
    private record Layer(float[] attnNorm, float[] wq, float[] bq, float[] wk, float[] bk, float[] wv, float[] bv, float[] wo,
                         float[] bo, float[] postAttnNorm, float[] gate, float[] up, float[] down, float[] qNorm, float[] kNorm,
                         float[] preMlpNorm, float[] postMlpNorm) {}

    VectorLlama(ModelConfig c, java.util.function.Function<String, float[]> weight, float[] invFreq, float[] localInvFreq) {
        this.c = c;
        this.var = c.variant();
        int d = c.dim(), q = c.qDim(), kv = c.kvDim(), f = c.hiddenDim();
        float[] table = weight.apply("model.embed_tokens.weight");
        this.head = pack(c.tiedEmbeddings() ? table : weight.apply("lm_head.weight"), c.vocabSize(), d);
        this.embed = var.gemmaNorms() ? scaled(table, (float) Math.sqrt(d)) : table;   // as libtorch: ids' rows × float(√D)
        java.util.function.Function<String, float[]> norms = name -> var.gemmaNorms() ? plusOne(weight.apply(name)) : weight.apply(name);
        this.norm = norms.apply("model.norm.weight");
        this.invFreq = invFreq;
        this.localInvFreq = localInvFreq.length > 0 ? localInvFreq : invFreq;
        this.layers = new Layer[c.nLayers()];
        for (int l = 0; l < c.nLayers(); l++) {
            String p = "model.layers." + l + ".", a = p + "self_attn.";
            float[] wq, wk, wv, gate, up;
            if (var.fused()) {   // Phi-3: q, k, v rows of qkv_proj; gate, up rows of gate_up_proj
                float[] qkv = weight.apply(a + "qkv_proj.weight"), gu = weight.apply(p + "mlp.gate_up_proj.weight");
                wq = rows(qkv, 0, q, d);
                wk = rows(qkv, q, kv, d);
                wv = rows(qkv, q + kv, kv, d);
                gate = rows(gu, 0, f, d);
                up = rows(gu, f, f, d);
            } else {
                wq = weight.apply(a + "q_proj.weight");
                wk = weight.apply(a + "k_proj.weight");
                wv = weight.apply(a + "v_proj.weight");
                gate = weight.apply(p + "mlp.gate_proj.weight");
                up = weight.apply(p + "mlp.up_proj.weight");
            }
            layers[l] = new Layer(norms.apply(p + "input_layernorm.weight"),
                    pack(wq, q, d), c.qkvBias() ? weight.apply(a + "q_proj.bias") : null,
                    pack(wk, kv, d), c.qkvBias() ? weight.apply(a + "k_proj.bias") : null,
                    pack(wv, kv, d), c.qkvBias() ? weight.apply(a + "v_proj.bias") : null,
                    pack(weight.apply(a + "o_proj.weight"), d, q), c.outBias() ? weight.apply(a + "o_proj.bias") : null,
                    norms.apply(p + "post_attention_layernorm.weight"), pack(gate, f, d), pack(up, f, d),
                    pack(weight.apply(p + "mlp.down_proj.weight"), d, f),
                    c.qkNorm() ? norms.apply(a + "q_norm.weight") : null, c.qkNorm() ? norms.apply(a + "k_norm.weight") : null,
                    var.gemmaNorms() ? norms.apply(p + "pre_feedforward_layernorm.weight") : null,
                    var.gemmaNorms() ? norms.apply(p + "post_feedforward_layernorm.weight") : null);
        }
    }

    /** Rows [from, from + n) of a row-major matrix of width {@code in}. */
    private static float[] rows(float[] w, int from, int n, int in) { return java.util.Arrays.copyOfRange(w, from * in, (from + n) * in); }

    /** Gemma's norm weights as the factor they scale by, 1 + w in float32 (libtorch's weight.add(1)). */
    private static float[] plusOne(float[] w) {
        float[] out = new float[w.length];
        for (int i = 0; i < w.length; i++) out[i] = w[i] + 1f;
        return out;
    }

    private static float[] scaled(float[] w, float by) {
        float[] out = new float[w.length];
        for (int i = 0; i < w.length; i++) out[i] = w[i] * by;
        return out;
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
        private float[] x, h, q, k, v, y, gate, up, scores, angles, localAngles, logits = new float[0];

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
            angles = new float[n * c.headDim()];
            localAngles = new float[n * c.headDim()];
        }
    }

    /**
     * Forwards n tokens: token j is {@code ids[j]} at position {@code pos[j]} of row {@code rows[j]}'s cache. Each layer
     * writes every token's key and value before any attends, so a row's tokens may share a forward (a prompt's
     * prefill); token j attends to its row's positions [0, pos[j]], in a sliding layer the last sliding_window of them.
     * Writes the logits of token j into {@code logits[j]} when that is not null.
     */
    public void forward(int[] ids, int[] pos, Cache[] rows, float[][] logits, Workspace w) {
        int n = ids.length, d = c.dim(), qd = c.qDim(), kvd = c.kvDim(), f = c.hiddenDim();
        w.fit(c, n, c.maxSeqLen());
        for (int j = 0; j < n; j++) System.arraycopy(embed, ids[j] * d, w.x, j * d, d);
        int hd = c.headDim();
        // each token's cos and sin, once for every layer
        angles(invFreq, pos, n, (float) c.ropeScaling().attentionFactor(), w.angles);
        if (localInvFreq != invFreq) angles(localInvFreq, pos, n, 1f, w.localAngles);
        for (int l = 0; l < layers.length; l++) {
            Layer b = layers[l];
            float[] rotation = !var.rope().get(l) ? null : var.slides(l) && localInvFreq != invFreq ? w.localAngles : w.angles;
            rmsNorm(w.x, b.attnNorm, w.h, n);
            matmul(w.h, n, d, b.wq, b.bq, qd, w.q, false);
            matmul(w.h, n, d, b.wk, b.bk, kvd, w.k, false);
            matmul(w.h, n, d, b.wv, b.bv, kvd, w.v, false);
            for (int j = 0; j < n; j++) {
                if (b.qNorm != null) {
                    headNorm(w.q, j * qd, c.nHeads(), b.qNorm);
                    headNorm(w.k, j * kvd, c.nKvHeads(), b.kNorm);
                }
                if (rotation != null) {   // SmolLM3 leaves some layers without rotary embeddings
                    rotate(w.q, j * qd, c.nHeads(), rotation, j * hd);
                    rotate(w.k, j * kvd, c.nKvHeads(), rotation, j * hd);
                }
                rows[j].write(l, pos[j], w.k, w.v, j * kvd, kvd);
            }
            int from = var.slides(l) ? var.slidingWindow() - 1 : Integer.MAX_VALUE;   // how far back a query sees
            for (int j = 0; j < n; j++) attend(w.q, j * qd, rows[j], l, Math.max(0, pos[j] - from), pos[j], w.y, w.scores);
            if (var.gemmaNorms()) {   // Gemma's sandwich: each sublayer's output is normalized before its residual add
                matmul(w.y, n, qd, b.wo, b.bo, d, w.h, false);
                addNormed(w.h, b.postAttnNorm, w.x, n);
                rmsNorm(w.x, b.preMlpNorm, w.h, n);
            } else {
                matmul(w.y, n, qd, b.wo, b.bo, d, w.x, true);
                rmsNorm(w.x, b.postAttnNorm, w.h, n);
            }
            matmul(w.h, n, d, b.gate, null, f, w.gate, false);
            matmul(w.h, n, d, b.up, null, f, w.up, false);
            if (c.activation().equals("silu")) swiglu(w.gate, w.up, n * f);
            else geglu(w.gate, w.up, n * f);
            if (var.gemmaNorms()) {
                matmul(w.gate, n, f, b.down, null, d, w.h, false);
                addNormed(w.h, b.postMlpNorm, w.x, n);
            } else {
                matmul(w.gate, n, f, b.down, null, d, w.x, true);
            }
        }
        rmsNorm(w.x, norm, w.h, n);
        int m = 0;   // the tokens whose logits are wanted, gathered so the head's tiles cover them together
        for (int j = 0; j < n; j++) if (logits[j] != null) System.arraycopy(w.h, j * d, w.x, m++ * d, d);
        w.fitLogits(m * c.vocabSize());
        matmul(w.x, m, d, head, null, c.vocabSize(), w.logits, false);
        for (int j = 0, k = 0; j < n; j++) if (logits[j] != null) System.arraycopy(w.logits, k++ * c.vocabSize(), logits[j], 0, c.vocabSize());
        if (var.logitSoftcap() > 0) {   // Gemma 2: cap·tanh(z / cap)
            float cap = (float) var.logitSoftcap();
            for (float[] row : logits) if (row != null) for (int i = 0; i < row.length; i++) row[i] = cap * (float) Math.tanh(row[i] / cap);
        }
    }

    /** Each token's cos and sin of position·inv_freq over the rotary dimensions, times longrope's attention factor. */
    private void angles(float[] inv, int[] pos, int n, float factor, float[] out) {
        int hd = c.headDim(), half = inv.length;
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < half; i++) {
                float a = (float) pos[j] * inv[i];
                out[j * hd + i] = factor == 1f ? (float) Math.cos(a) : (float) Math.cos(a) * factor;
                out[j * hd + half + i] = factor == 1f ? (float) Math.sin(a) : (float) Math.sin(a) * factor;
            }
        }
    }

    /** x[j] += rmsNorm(y[j])·weight for the n rows: Gemma's normalized residual branch. */
    private void addNormed(float[] y, float[] weight, float[] x, int n) {
        rmsNorm(y, weight, y, n);
        for (int i = 0; i < n * c.dim(); i++) x[i] += y[i];
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
     * Rotary embedding of one token's heads at {@code at}, HF rotate_half layout over the r rotary dimensions (i pairs with
     * i + r/2; Phi-3's partial rotary leaves the rest), with the token's cos and sin at {@code cosSin[cs..]} (its angles
     * are position·inv_freq rounded to float, as libtorch's).
     */
    private void rotate(float[] x, int at, int heads, float[] cosSin, int cs) {
        int hd = c.headDim(), half = var.rotaryDim() / 2;
        for (int h = 0; h < heads; h++) {
            int o = at + h * hd;
            for (int i = 0; i < half; i++) {
                float x1 = x[o + i], x2 = x[o + half + i], cos = cosSin[cs + i], sin = cosSin[cs + half + i];
                x[o + i] = x1 * cos - x2 * sin;
                x[o + half + i] = x2 * cos + x1 * sin;
            }
        }
    }

    /**
     * One token's attention over its row's positions [first, last] (first > 0 in a sliding-window layer): each query
     * head's scores are q·k accumulated over the head's dimensions in order, a vector of positions at a time, the KV
     * head's keys loaded once for all query heads of its group; then softmax (of soft-capped scores for Gemma 2), and the
     * values weighted by the unnormalized probabilities and divided by their sum.
     */
    private void attend(float[] q, int at, Cache cache, int layer, int first, int last, float[] y, float[] scores) {
        int hd = c.headDim(), kvd = c.kvDim(), group = c.nHeads() / c.nKvHeads(), n = last - first + 1, cap = cache.capacity;
        float[] keys = cache.k[layer], values = cache.v[layer];
        float scale = (float) c.attentionScale(), softcap = (float) var.attnSoftcap();
        for (int kh = 0; kh < c.nKvHeads(); kh++) {
            for (int g = 0; g < group; g++) {
                int qo = at + (kh * group + g) * hd, so = g * n, t = 0;
                for (; t <= n - 4 * L; t += 4 * L) {   // four blocks of positions: four multiply-add chains at once
                    FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                    for (int d = 0; d < hd; d++) {
                        int k = (kh * hd + d) * cap + first + t;
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
                        acc = FloatVector.fromArray(F, keys, (kh * hd + d) * cap + first + t).fma(FloatVector.broadcast(F, q[qo + d]), acc);
                    }
                    acc.intoArray(scores, so + t);
                }
                for (; t < n; t++) {
                    float acc = 0;
                    for (int d = 0; d < hd; d++) acc = Math.fma(keys[(kh * hd + d) * cap + first + t], q[qo + d], acc);
                    scores[so + t] = acc;
                }
            }
            for (int g = 0; g < group; g++) {
                int so = g * n;
                if (softcap > 0) {   // Gemma 2: cap·tanh(scale·s / cap), then softmax
                    for (int t = 0; t < n; t++) scores[so + t] = softcap * (float) Math.tanh(scores[so + t] * scale / softcap);
                }
                float sum = softmaxNumerators(scores, so, n, softcap > 0 ? 1f : scale);
                weighValues(scores, so, n, values, first * kvd + kh * hd, kvd, hd, sum, y, at + (kh * group + g) * hd);
            }
        }
    }

}
