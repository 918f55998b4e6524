package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;

import java.util.Optional;

import static org.jpo.tensor.Tensors.checkShape;

/**
 * B ranked lists of completions, padded to the longest list's K: list b holds K_b ≤ K completions of one prompt,
 * each with its summed log-prob under the policy (with gradient) and the reference, its length and its score.
 * Scores ψ order the list, higher is better; equal scores are ties and stay ties (no loss orders tied completions).
 *
 * @param policy    [B,K] log π_θ(y_k|x), summed over the completion's tokens
 * @param reference [B,K] log π_ref(y_k|x), detached by the losses; present exactly when the loss reads a reference
 * @param lengths   [B,K] completion lengths |y_k| in tokens (≥ 1 where the mask is 1)
 * @param scores    [B,K] ψ_k, higher is better (a reward, or −rank)
 * @param mask      [B,K] 1 for the list's K_b completions, 0 for padding (float); padded values are never read
 */
public record ListBatch(Tensor policy, Optional<Tensor> reference, Tensor lengths, Tensor scores, Tensor mask) {
    public ListBatch {
        checkShape(policy, "policy", -1, -1);
        long b = policy.size(0), k = policy.size(1);
        reference.ifPresent(r -> checkShape(r, "reference", b, k));
        checkShape(lengths, "lengths", b, k);
        checkShape(scores, "scores", b, k);
        checkShape(mask, "mask", b, k);
    }

    public long batchSize() { return policy.size(0); }

    /** What a listwise loss returns: per-list losses [B] (with gradient) and per-completion scores s [B,K] (detached). */
    public record Result(Tensor losses, Tensor rewards) {
        /** The batch loss: the mean over lists of the per-list losses. */
        public Tensor mean() { return losses.mean(); }
    }
}
