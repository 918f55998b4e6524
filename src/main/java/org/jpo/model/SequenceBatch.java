package org.jpo.model;

import org.bytedeco.pytorch.Tensor;

import java.util.List;

import static org.jpo.tensor.Tensors.*;

/**
 * B (prompt, completion) token sequences, right-padded into one tensor. Right padding is exact under a
 * causal mask: real tokens never attend to the padding that follows them.
 *
 * @param ids            [B,T] prompt then completion then padding
 * @param completionMask [B,T-1] 1 where target ids[:, t+1] is a completion token, else 0 (float)
 * @param completionLens completion lengths |y| per row
 * @param promptLens     prompt lengths per row (the real tokens before the completion)
 */
public record SequenceBatch(Tensor ids, Tensor completionMask, int[] completionLens, int[] promptLens) implements TokenBatch {

    /** Builds the batch; every prompt needs at least one token (the context for the first completion token). */
    public static SequenceBatch of(List<int[]> prompts, List<int[]> completions, int padId) {
        if (prompts.size() != completions.size() || prompts.isEmpty()) {
            throw new IllegalArgumentException(prompts.size() + " prompts but " + completions.size() + " completions");
        }
        int b = prompts.size(), t = 0;
        for (int i = 0; i < b; i++) {
            if (prompts.get(i).length == 0) {
                throw new IllegalArgumentException("row " + i + ": empty prompt; the first completion token needs a context (use BOS)");
            }
            t = Math.max(t, prompts.get(i).length + completions.get(i).length);
        }
        long[] ids = new long[b * t];
        float[] mask = new float[b * (t - 1)];
        int[] lens = new int[b], promptLens = new int[b];
        for (int i = 0; i < b; i++) {
            int[] p = prompts.get(i), c = completions.get(i);
            java.util.Arrays.fill(ids, i * t, (i + 1) * t, padId);
            for (int j = 0; j < p.length; j++) ids[i * t + j] = p[j];
            for (int j = 0; j < c.length; j++) {
                ids[i * t + p.length + j] = c[j];
                mask[i * (t - 1) + p.length - 1 + j] = 1f;    // position p+j-1 predicts completion token j
            }
            lens[i] = c.length;
            promptLens[i] = p.length;
        }
        return new SequenceBatch(longs(ids, b, t), floats(mask, b, t - 1), lens, promptLens);
    }

    public long size() { return ids.size(0); }

    /** Causal forward at positions 0..T-1. */
    @Override public Tensor hidden(Transformer model) { return model.hidden(ids); }

    /** The completion tokens: row i's token j is predicted by position |prompt|+j−1; log-probs land in [B,T-1] at that position. */
    @Override public Targets targets() {
        long b = ids.size(0), t = ids.size(1);
        int n = java.util.Arrays.stream(completionLens).sum();
        long[] source = new long[n], dest = new long[n], target = new long[n];
        long[] all = toLongs(ids);
        int k = 0;
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < completionLens[i]; j++, k++) {
                int at = promptLens[i] + j;
                source[k] = i * t + at - 1;
                dest[k] = i * (t - 1) + at - 1;
                target[k] = all[(int) (i * t + at)];
            }
        }
        return Targets.of(source, target, dest, b, t - 1);
    }

    /** Real tokens per row, prompt plus completion; row i's last real token is at {@code lengths()[i] - 1}. */
    public int[] lengths() {
        int[] out = new int[completionLens.length];
        for (int i = 0; i < out.length; i++) out[i] = promptLens[i] + completionLens[i];
        return out;
    }
}
