package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;

import static org.jpo.tensor.Tensors.checkShape;

/**
 * B single completions: policy and reference log-probs, {@code desirable} [B] (bool), and for KTO the
 * log-probs of mismatched (x, y′) pairs under both policies, from which the batch KL estimate is formed.
 */
public record UnpairedBatch(Logps policy, Logps reference, Tensor desirable, Logps klPolicy, Logps klReference) {
    public UnpairedBatch {
        checkShape(desirable, "desirable", policy.batchSize());
        checkShape(reference.sum(), "reference.sum", policy.batchSize());
    }
}
