package org.jpo.model;

import org.bytedeco.pytorch.Tensor;

import static org.jpo.tensor.Tensors.*;

/**
 * Which hidden states predict which completion tokens, and where each log-prob goes in the output: the LM head
 * runs on the N completion positions only, never on prompts or padding.
 *
 * @param source [N] long, index of the predicting position in the flattened hidden states [B·T]
 * @param ids    [N] long, the token each predicts
 * @param dest   [N] long, index of its log-prob in the flattened output [R·L]
 * @param mask   [R,L] float, 1 at the N output slots
 */
public record Targets(Tensor source, Tensor ids, Tensor dest, Tensor mask) {
    /** From parallel Java arrays of length N and the output's R×L shape. */
    static Targets of(long[] source, long[] ids, long[] dest, long rows, long cols) {
        float[] m = new float[Math.toIntExact(rows * cols)];
        for (long d : dest) m[(int) d] = 1f;
        int n = source.length;
        return new Targets(longs(source, n), longs(ids, n), longs(dest, n), floats(m, rows, cols));
    }

    public long count() { return source.size(0); }
}
