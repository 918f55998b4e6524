package org.jpo.model;

import org.bytedeco.pytorch.Tensor;
import org.jpo.tensor.Tensors;

/**
 * Per-token log-probabilities of completions, the quantity every preference loss consumes.
 *
 * @param logps      [B,T-1] log p(ids[:, t+1] | ids[:, ≤t]) at completion positions, 0 elsewhere
 * @param mask       [B,T-1] 1 at completion positions
 * @param meanLogits [B] mean logit over the vocabulary and completion positions (TRL's {@code logits/chosen}), detached
 */
public record TokenLogps(Tensor logps, Tensor mask, Tensor meanLogits) {
    /** Σ over completion tokens [B]. (Qualified: the accessor name shadows the static helper.) */
    public Tensor sum() { return Tensors.sum(logps, 1); }

    /** Completion lengths in tokens [B] (float). */
    public Tensor length() { return Tensors.sum(mask, 1); }
}
