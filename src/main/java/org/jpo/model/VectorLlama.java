package org.jpo.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Llama forward for decoding small batches, in Java's Vector API over a float[] copy of the weights. A libtorch
 * decode step costs ~270 calls of a few µs each, which at batch 1 is the whole cost of a small model's token
 * (stories260K: 206 tok/s); here a token is a few loops over the weights (issue 24, README Performance).
 *
 * <p>Every number of a token is computed in an order that depends on that token alone: a dot product runs one vector
 * accumulator over the inputs in order, sums its lanes left to right, then adds the tail. So a row's logits do not
 * depend on the rows it shares a forward with, nor on how the loops are blocked, nor on whether the JIT has compiled
 * them yet ({@code reduceLanes} and vector {@code exp} are avoided for that reason).
 */
public final class VectorLlama {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    private final ModelConfig c;
    private final float[] embed, head, norm, invFreq;
    private final Layer[] layers;

    /** One block's weights, [out, in] row-major as in the checkpoint; biases are null when the model has none. */
    private record Layer(float[] attnNorm, float[] wq, float[] bq, float[] wk, float[] bk, float[] wv, float[] bv, float[] wo,
                         float[] bo, float[] mlpNorm, float[] gate, float[] up, float[] down) {}

    VectorLlama(ModelConfig c, java.util.function.Function<String, float[]> weight, float[] invFreq) {
        this.c = c;
        this.embed = weight.apply("model.embed_tokens.weight");
        this.head = c.tiedEmbeddings() ? embed : weight.apply("lm_head.weight");
        this.norm = weight.apply("model.norm.weight");
        this.invFreq = invFreq;
        this.layers = new Layer[c.nLayers()];
        for (int l = 0; l < c.nLayers(); l++) {
            String p = "model.layers." + l + ".", a = p + "self_attn.";
            layers[l] = new Layer(weight.apply(p + "input_layernorm.weight"),
                    weight.apply(a + "q_proj.weight"), c.qkvBias() ? weight.apply(a + "q_proj.bias") : null,
                    weight.apply(a + "k_proj.weight"), c.qkvBias() ? weight.apply(a + "k_proj.bias") : null,
                    weight.apply(a + "v_proj.weight"), c.qkvBias() ? weight.apply(a + "v_proj.bias") : null,
                    weight.apply(a + "o_proj.weight"), c.outBias() ? weight.apply(a + "o_proj.bias") : null,
                    weight.apply(p + "post_attention_layernorm.weight"), weight.apply(p + "mlp.gate_proj.weight"),
                    weight.apply(p + "mlp.up_proj.weight"), weight.apply(p + "mlp.down_proj.weight"));
        }
    }

    public ModelConfig config() { return c; }

    /** One row's keys and values: layer l's key of position t, KV head h at {@code k[l][t·kvDim + h·hd]}. */
    public static final class Cache {
        final float[][] k, v;

        Cache(int layers, int columns) {
            k = new float[layers][columns];
            v = new float[layers][columns];
        }

        /** Positions this cache holds. */
        public int capacity(ModelConfig c) { return k[0].length / c.kvDim(); }

        /** Copies positions [0, n) from {@code from}: the prompt a row shares with its siblings. */
        public void copyFrom(Cache from, int n, ModelConfig c) {
            for (int l = 0; l < k.length; l++) {
                System.arraycopy(from.k[l], 0, k[l], 0, n * c.kvDim());
                System.arraycopy(from.v[l], 0, v[l], 0, n * c.kvDim());
            }
        }
    }

    /** A cache for positions [0, capacity). */
    public Cache newCache(int capacity) { return new Cache(c.nLayers(), capacity * c.kvDim()); }

    /**
     * Buffers one forward of up to n tokens works in, kept between forwards so a decode step allocates nothing. Not
     * shared between threads.
     */
    public static final class Workspace {
        private int n = -1;
        private float[] x, h, q, k, v, y, gate, up, scores, angles;

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
            scores = new float[window];
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
            matmul(w.h, n, d, b.wq, b.bq, qd, w.q);
            matmul(w.h, n, d, b.wk, b.bk, kvd, w.k);
            matmul(w.h, n, d, b.wv, b.bv, kvd, w.v);
            for (int j = 0; j < n; j++) {
                rotate(w.q, j * qd, c.nHeads(), pos[j], w.angles);
                rotate(w.k, j * kvd, c.nKvHeads(), pos[j], w.angles);
                System.arraycopy(w.k, j * kvd, rows[j].k[l], pos[j] * kvd, kvd);
                System.arraycopy(w.v, j * kvd, rows[j].v[l], pos[j] * kvd, kvd);
            }
            for (int j = 0; j < n; j++) attend(w.q, j * qd, rows[j].k[l], rows[j].v[l], pos[j], w.y, w.scores);
            matmulAdd(w.y, n, qd, b.wo, b.bo, d, w.x);
            rmsNorm(w.x, b.mlpNorm, w.h, n);
            matmul(w.h, n, d, b.gate, null, f, w.gate);
            matmul(w.h, n, d, b.up, null, f, w.up);
            for (int i = 0; i < n * f; i++) {
                float g = w.gate[i];
                w.gate[i] = g / (1f + (float) Math.exp(-g)) * w.up[i];
            }
            matmulAdd(w.gate, n, f, b.down, null, d, w.x);
        }
        rmsNorm(w.x, norm, w.h, n);
        for (int j = 0; j < n; j++) {
            if (logits[j] != null) matmul(w.h, j * d, 1, d, head, null, c.vocabSize(), logits[j], 0);
        }
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

    /** One token's attention: each query head over its KV head's positions [0, last], into y at the query's offset. */
    private void attend(float[] q, int at, float[] keys, float[] values, int last, float[] y, float[] scores) {
        int hd = c.headDim(), kvd = c.kvDim(), group = c.nHeads() / c.nKvHeads();
        float scale = (float) (1 / Math.sqrt(hd));
        for (int h = 0; h < c.nHeads(); h++) {
            int qo = at + h * hd, kv = (h / group) * hd;
            float max = Float.NEGATIVE_INFINITY;
            for (int t = 0; t <= last; t++) {
                scores[t] = dot(q, qo, keys, t * kvd + kv, hd) * scale;
                max = Math.max(max, scores[t]);
            }
            float sum = 0;
            for (int t = 0; t <= last; t++) {
                scores[t] = (float) Math.exp(scores[t] - max);
                sum += scores[t];
            }
            java.util.Arrays.fill(y, qo, qo + hd, 0f);
            for (int t = 0; t <= last; t++) axpy(scores[t] / sum, values, t * kvd + kv, y, qo, hd);
        }
    }

    /** out[j, o] = x[j]·W[o] + bias[o] for n rows of width {@code in}; W is [out, in]. */
    private static void matmul(float[] x, int n, int in, float[] w, float[] bias, int out, float[] y) {
        for (int j = 0; j < n; j++) matmul(x, j * in, 1, in, w, bias, out, y, j * out);
    }

    /** x += y·Wᵀ (+ bias): a residual branch. */
    private static void matmulAdd(float[] y, int n, int in, float[] w, float[] bias, int out, float[] x) {
        float[] r = new float[out];
        for (int j = 0; j < n; j++) {
            matmul(y, j * in, 1, in, w, bias, out, r, 0);
            for (int o = 0; o < out; o++) x[j * out + o] += r[o];
        }
    }

    /** Rows [x0 .. x0 + n·in) of x times Wᵀ into y from y0. */
    private static void matmul(float[] x, int x0, int n, int in, float[] w, float[] bias, int out, float[] y, int y0) {
        for (int j = 0; j < n; j++) {
            for (int o = 0; o < out; o++) {
                float s = dot(x, x0 + j * in, w, o * in, in);
                y[y0 + j * out + o] = bias == null ? s : s + bias[o];
            }
        }
    }

    /** a[ao..ao+n)·b[bo..bo+n): one vector accumulator in order, lanes summed left to right, then the tail. */
    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        int i = 0;
        float s = 0;
        if (n >= L) {
            FloatVector acc = FloatVector.zero(F);
            for (; i <= n - L; i += L) acc = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc);
            for (int lane = 0; lane < L; lane++) s += acc.lane(lane);
        }
        for (; i < n; i++) s += a[ao + i] * b[bo + i];
        return s;
    }

    /** y[yo..yo+n) += a·x[xo..xo+n). */
    private static void axpy(float a, float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i++) y[yo + i] += a * x[xo + i];
    }
}
