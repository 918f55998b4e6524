package org.jpo.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The loops {@link VectorLlama}'s forward is made of, in Java's Vector API: matrix products over packed weights, exp,
 * SwiGLU, and the softmax and weighted values of attention. Each gives the same bits whichever tile or lane computes a
 * number and whether or not the JIT has compiled it: no horizontal sums or library exp (see {@link #matmul}).
 */
final class VectorKernels {
    private VectorKernels() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    private static final int CHUNK = 16;

    /** s ← exp(scale·s − max) over [so, so+n); returns the sum of the new values (lane partial sums, then in order). */
    static float softmaxNumerators(float[] s, int so, int n, float scale) {
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
    static void weighValues(float[] p, int po, int n, float[] values, int vo, int kvd, int hd, float sum, float[] y, int yo) {
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
    static void swiglu(float[] gate, float[] up, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector g = FloatVector.fromArray(F, gate, i);
            g.div(exp(g.neg()).add(1f)).mul(FloatVector.fromArray(F, up, i)).intoArray(gate, i);
        }
        for (; i < n; i++) gate[i] = gate[i] / (exp(-gate[i]) + 1f) * up[i];
    }

    /** gate ← gelu_tanh(gate)·up over [0, n), GeGLU with HF's gelu_pytorch_tanh (Gemma), a Math.tanh per number. */
    static void geglu(float[] gate, float[] up, int n) {
        for (int i = 0; i < n; i++) {
            float x = gate[i];
            gate[i] = 0.5f * x * (1f + (float) Math.tanh(0.7978845608f * (x + 0.044715f * x * x * x))) * up[i];
        }
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
