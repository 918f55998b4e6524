package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;

import java.util.Optional;

/**
 * Everything a referenced paired loss may read for B pairs: policy and reference log-probs, and,
 * for SPPO, the estimated win probabilities P⁺, P⁻ [B] of each completion against the policy's samples.
 * Reference log-probs never carry gradient; losses detach them anyway.
 */
public record PairBatch(PairLogps policy, PairLogps reference, Optional<WinProbs> winProbs) {
    public PairBatch {
        if (policy.batchSize() != reference.batchSize()) {
            throw new IllegalArgumentException("policy has " + policy.batchSize() + " pairs, reference has "
                    + reference.batchSize());
        }
    }

    public PairBatch(PairLogps policy, PairLogps reference) { this(policy, reference, Optional.empty()); }

    public long batchSize() { return policy.batchSize(); }

    /** Win probabilities of the chosen and rejected completions, [B] each, in [0, 1]. */
    public record WinProbs(Tensor chosen, Tensor rejected) {}
}
