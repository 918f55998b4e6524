package org.jpo.sampling;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import static org.jpo.tensor.Tensors.*;

/**
 * Picks the next token of each row from its logits: argmax, or inverse-CDF sampling of the temperature /
 * top-k / top-p distribution with one uniform draw per row from that row's own stream. Given the logits
 * and the uniforms the choice is deterministic, so a row's tokens do not depend on its batch. Rows with
 * different {@link Choice}s can share a batch: each distinct choice picks for its own rows.
 */
final class TokenChooser {
    private TokenChooser() {}

    /** Chosen ids [B] for logits [B,V], uniforms u [B] and row b's choice {@code choices[b]}. */
    static Tensor choose(Tensor logits, double[] u, Choice[] choices) {
        var groups = new java.util.LinkedHashMap<Choice, java.util.List<Integer>>();
        for (int b = 0; b < choices.length; b++) groups.computeIfAbsent(choices[b], c -> new java.util.ArrayList<>()).add(b);
        if (groups.size() == 1) return choose(logits, doubles(u, u.length), choices[0]);
        Tensor chosen = torch.zeros(new long[] {choices.length}, options(torch.ScalarType.Long));   // [B]
        for (var g : groups.entrySet()) {
            long[] rows = g.getValue().stream().mapToLong(Integer::longValue).toArray();
            double[] gu = g.getValue().stream().mapToDouble(b -> u[b]).toArray();
            Tensor index = longs(rows, rows.length);                                                 // [R]
            chosen.index_copy_(0, index, choose(logits.index_select(0, index), doubles(gu, gu.length), g.getKey()));
        }
        return chosen;
    }

    /** Chosen ids [B] for logits [B,V] and uniforms u [B] in [0,1). */
    static Tensor choose(Tensor logits, Tensor u, Choice p) {
        if (p.greedy()) return logits.argmax(new org.bytedeco.pytorch.LongOptional(-1), false);
        long vocab = logits.size(1);
        Tensor z = logits.div(s(p.temperature()));                                               // [B,V]
        if (p.topK() > 0 && p.topK() < vocab) {
            Tensor kth = z.topk(p.topK()).get0().narrow(1, p.topK() - 1, 1);                     // [B,1]
            z = z.masked_fill(z.lt(kth), s(Double.NEGATIVE_INFINITY));
        }
        Tensor probs = z.softmax(-1);                                                            // [B,V]
        if (p.topP() >= 1) return inverseCdf(probs, u);
        var sorted = probs.sort(new org.bytedeco.pytorch.BoolOptional(true), -1, true);         // stable, descending
        Tensor sp = sorted.get0(), order = sorted.get1();                                        // [B,V]
        if (p.topP() < 1) {
            Tensor before = sp.cumsum(-1).sub(sp);                                               // mass of more likely tokens
            sp = sp.masked_fill(before.ge(s(p.topP())), s(0));
        }
        Tensor cdf = sp.cumsum(-1);                                                              // [B,V]
        Tensor target = u.to(torch.ScalarType.Float).unsqueeze(1).mul(cdf.narrow(1, vocab - 1, 1));  // [B,1]
        Tensor lastKept = sum(sp.gt(s(0)), 1).sub(new org.bytedeco.pytorch.Scalar(1L)).unsqueeze(1);                           // [B,1]
        Tensor k = sum(cdf.lt(target), 1).unsqueeze(1);                                          // [B,1]
        k = torch.minimum(k, lastKept);
        return order.gather(1, k).squeeze(1);                                                    // [B]
    }

    /**
     * Inverse-CDF sampling in vocabulary order: the first token whose cumulative probability exceeds u·total, never
     * past the last token with probability > 0. Without top-p no order is needed, and sorting [B,V] each step cost
     * 15% of a 256-row stories260K decode's perf samples.
     */
    private static Tensor inverseCdf(Tensor probs, Tensor u) {
        long vocab = probs.size(1);
        Tensor cdf = probs.cumsum(-1);                                                            // [B,V]
        Tensor total = cdf.narrow(1, vocab - 1, 1);                                               // [B,1]
        Tensor target = u.to(torch.ScalarType.Float).unsqueeze(1).mul(total);                    // [B,1]
        return torch.minimum(sum(cdf.le(target), 1), sum(cdf.lt(total), 1));                    // [B]
    }

    /**
     * The same choice for one row's logits [V] on the host (the Vector API decoder's): argmax, or the inverse CDF of the
     * temperature / top-k / top-p distribution at u, with the comparisons of the tensor version above.
     */
    static int choose(float[] logits, double u, Choice p) {
        int v = logits.length;
        if (p.greedy()) {
            int best = 0;
            for (int i = 1; i < v; i++) if (logits[i] > logits[best]) best = i;
            return best;
        }
        float[] z = new float[v];
        float t = (float) p.temperature();
        for (int i = 0; i < v; i++) z[i] = logits[i] / t;
        if (p.topK() > 0 && p.topK() < v) {
            float kth = kthLargest(z, p.topK());
            for (int i = 0; i < v; i++) if (z[i] < kth) z[i] = Float.NEGATIVE_INFINITY;
        }
        float[] probs = softmax(z);
        if (p.topP() >= 1) {
            float[] cdf = cumsum(probs);
            float total = cdf[v - 1], target = (float) u * total;
            int le = 0, lt = 0;
            for (float c : cdf) {
                if (c <= target) le++;
                if (c < total) lt++;
            }
            return Math.min(le, lt);
        }
        Integer[] order = new Integer[v];
        for (int i = 0; i < v; i++) order[i] = i;
        java.util.Arrays.sort(order, (a, b) -> Float.compare(probs[b], probs[a]));   // stable, descending
        float[] sp = new float[v];
        for (int i = 0; i < v; i++) sp[i] = probs[order[i]];
        float[] before = cumsum(sp);
        for (int i = 0; i < v; i++) if (before[i] - sp[i] >= p.topP()) sp[i] = 0;
        float[] cdf = cumsum(sp);
        float target = (float) u * cdf[v - 1];
        int lastKept = -1, k = 0;
        for (int i = 0; i < v; i++) {
            if (sp[i] > 0) lastKept++;
            if (cdf[i] < target) k++;
        }
        return order[Math.min(k, lastKept)];
    }

    /** log softmax(logits)[id], in double. */
    static double logProb(float[] logits, int id) {
        float max = Float.NEGATIVE_INFINITY;
        for (float x : logits) max = Math.max(max, x);
        double sum = 0;
        for (float x : logits) sum += Math.exp(x - max);
        return logits[id] - max - Math.log(sum);
    }

    private static float[] softmax(float[] z) {
        float max = Float.NEGATIVE_INFINITY;
        for (float x : z) max = Math.max(max, x);
        float[] p = new float[z.length];
        double sum = 0;
        for (int i = 0; i < z.length; i++) {
            p[i] = (float) Math.exp(z[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < z.length; i++) p[i] = (float) (p[i] / sum);
        return p;
    }

    /** Running sums accumulated in double and stored as float, as libtorch's CPU cumsum does. */
    private static float[] cumsum(float[] x) {
        float[] out = new float[x.length];
        double s = 0;
        for (int i = 0; i < x.length; i++) out[i] = (float) (s += x[i]);
        return out;
    }

    private static float kthLargest(float[] z, int k) {
        float[] sorted = z.clone();
        java.util.Arrays.sort(sorted);
        return sorted[sorted.length - k];
    }
}
