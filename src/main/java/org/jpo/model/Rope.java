package org.jpo.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import static org.jpo.tensor.Tensors.*;

/**
 * Rotary position embeddings in the HuggingFace "rotate_half" layout: dimension i of a head pairs with
 * i + hd/2. (llama2.c pairs (2i, 2i+1); {@link Llama2cImport} permutes q/k weights to this layout.)
 */
final class Rope {
    private Rope() {}

    /** inv_freq[i] = θ^(−2i/r) over the r rotary dimensions, scaled as the config asks (Llama 3, linear). [r/2] */
    static Tensor inverseFrequencies(ModelConfig c) { return inverseFrequencies(c.ropeTheta(), c.variant().rotaryDim(), c.ropeScaling()); }

    /** Gemma 3's sliding layers: base {@code rope_local_base_freq}, unscaled (HF's rotary_emb_local). [r/2] */
    static Tensor localInverseFrequencies(ModelConfig c) {
        return inverseFrequencies(c.variant().localRopeTheta(), c.variant().rotaryDim(), ModelConfig.RopeScaling.NONE);
    }

    private static Tensor inverseFrequencies(double theta, int dims, ModelConfig.RopeScaling rs) {
        int half = dims / 2;
        float[] f = new float[half];
        for (int i = 0; i < half; i++) {
            double inv = 1.0 / Math.pow(theta, (2.0 * i) / dims);
            f[i] = (float) switch (rs.type()) {
                case "llama3" -> llama3(inv, rs);
                case "linear" -> inv / rs.factor();
                case "longrope" -> inv / rs.shortFactor().get(i);   // sequences within original_max_position_embeddings
                default -> inv;
            };
        }
        return floats(f, half);
    }

    /** Llama 3.1's frequency-dependent scaling (HF {@code _compute_llama3_parameters}). */
    private static double llama3(double inv, ModelConfig.RopeScaling rs) {
        double wavelen = 2 * Math.PI / inv;
        double lowWavelen = rs.originalMaxPositions() / rs.lowFreqFactor();
        double highWavelen = rs.originalMaxPositions() / rs.highFreqFactor();
        if (wavelen < highWavelen) return inv;
        if (wavelen > lowWavelen) return inv / rs.factor();
        double smooth = (rs.originalMaxPositions() / wavelen - rs.lowFreqFactor()) / (rs.highFreqFactor() - rs.lowFreqFactor());
        return (1 - smooth) * inv / rs.factor() + smooth * inv;
    }

    /**
     * cos and sin of position·inv_freq for positions [B,T], each [B,1,T,hd], computed once per forward for all
     * layers. The sin comes with rotate_half's sign folded in (−sin on the first half), so {@link #apply} needs
     * one roll instead of two narrows, a negation and a concatenation per tensor.
     */
    static Tensor[] cosSin(Tensor invFreq, Tensor positions, double attentionFactor) {
        Tensor freqs = positions.to(torch.ScalarType.Float).unsqueeze(-1).mul(invFreq);   // [B,T,hd/2]
        Tensor emb = torch.cat(new TensorVector(freqs, freqs), -1);                          // [B,T,hd]
        Tensor sin = emb.sin();                                                              // [B,T,hd]
        long half = freqs.size(2);
        sin.narrow(2, 0, half).neg_();
        if (attentionFactor == 1) return new Tensor[] {emb.cos().unsqueeze(1), sin.unsqueeze(1)};
        return new Tensor[] {emb.cos().mul(s(attentionFactor)).unsqueeze(1), sin.mul(s(attentionFactor)).unsqueeze(1)};   // longrope
    }

    /**
     * x·cos + rotate_half(x)·sin for x [B,H,T,hd]: rotate_half(x) = [−x2, x1] = roll(x, hd/2)·[−1, 1], and the sign
     * is already in the sin from {@link #cosSin}. The products are the same floats as the textbook form. With partial
     * rotary (cos/sin narrower than hd, Phi-3) only the leading dimensions rotate and the rest pass through.
     */
    static Tensor apply(Tensor x, Tensor[] cosSin, int rotaryDim, int headDim) {
        if (rotaryDim < headDim) {
            return torch.cat(new TensorVector(apply(x.narrow(3, 0, rotaryDim), cosSin, rotaryDim, rotaryDim),
                    x.narrow(3, rotaryDim, headDim - rotaryDim)), 3);
        }
        Tensor rolled = x.roll(new long[] {rotaryDim / 2}, new long[] {3});                // [B,H,T,hd] = [x2, x1]
        return x.mul(cosSin[0]).add(rolled.mul(cosSin[1]));
    }
}
