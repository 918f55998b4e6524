package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;

import static org.jpo.tensor.Tensors.checkShape;

/**
 * Log-probabilities of B completions under one policy: {@code sum} of the completion's token log-probs
 * [B] and its {@code length} in tokens [B] (float). The per-token mean is {@code sum / length}.
 */
public record Logps(Tensor sum, Tensor length) {
    public Logps {
        checkShape(sum, "logps.sum", -1);
        checkShape(length, "logps.length", sum.size(0));
    }

    public long batchSize() { return sum.size(0); }

    /** π̄ = π / |y|, the per-token average log-prob [B]. */
    public Tensor mean() { return sum.div(length); }
}
