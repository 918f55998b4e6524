package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;

/**
 * What every loss returns: per-example {@code losses} [B] (with gradient) and the detached implicit
 * rewards R⁺ = β·ρ⁺ and R⁻ = β·ρ⁻ [B] that the metrics report. Unpaired losses fill the side each
 * example belongs to and leave the other side's entries at zero (see {@link UnpairedLoss}).
 */
public record LossResult(Tensor losses, Tensor chosenRewards, Tensor rejectedRewards) {
    /** The batch loss: the mean of the per-example losses. */
    public Tensor mean() { return losses.mean(); }
}
