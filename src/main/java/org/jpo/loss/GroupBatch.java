package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;

import java.util.Optional;

import static org.jpo.tensor.Tensors.checkShape;

/**
 * B sampled completions of a group method, per token: the policy's log-probs (with gradient), the sampling policy's
 * ({@code old}, detached: the policy as the round's training began), the reference's when β &gt; 0, the completion mask
 * and each completion's advantage.
 *
 * @param policy     [B,T] log π_θ at completion positions, 0 elsewhere
 * @param old        [B,T] log π_old, detached
 * @param reference  [B,T] log π_ref, detached; present exactly when the loss's β &gt; 0
 * @param mask       [B,T] 1 at completion positions (float)
 * @param advantages [B] A_i, group-relative (computed by pairing, no gradient)
 * @param maxCompletionLength L_max, dr_grpo's constant denominator (the loop's sampling.max_new_tokens)
 */
public record GroupBatch(Tensor policy, Tensor old, Optional<Tensor> reference, Tensor mask, Tensor advantages, int maxCompletionLength) {
    public GroupBatch {
        checkShape(policy, "policy", -1, -1);
        long b = policy.size(0), t = policy.size(1);
        checkShape(old, "old", b, t);
        reference.ifPresent(r -> checkShape(r, "reference", b, t));
        checkShape(mask, "mask", b, t);
        checkShape(advantages, "advantages", b);
        if (maxCompletionLength < 1) throw new IllegalArgumentException("max completion length must be >= 1, got " + maxCompletionLength);
    }

    public long batchSize() { return policy.size(0); }
}
