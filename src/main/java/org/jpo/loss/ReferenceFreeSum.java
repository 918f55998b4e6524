package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;

import java.util.List;

import static org.jpo.tensor.Tensors.s;

/**
 * A weighted sum {@code Σ wᵢ·lossᵢ} of reference-free losses, e.g. {@code [simpo, sft]}. The rewards are
 * those of the first part. Build it with {@link WeightedSum#of}.
 *
 * @param parts   reference-free losses
 * @param weights one finite weight ≥ 0 per part
 */
public record ReferenceFreeSum(List<ReferenceFreeLoss> parts, List<Double> weights) implements ReferenceFreeLoss {
    public ReferenceFreeSum {
        parts = List.copyOf(parts);
        weights = List.copyOf(weights);
        WeightedSum.check(parts, weights);
    }

    @Override public String name() { return WeightedSum.names(parts); }

    @Override public LossResult apply(PairLogps policy) {
        LossResult first = parts.get(0).apply(policy);
        Tensor total = first.losses().mul(s(weights.get(0)));                                    // [B]
        for (int i = 1; i < parts.size(); i++) {
            total = total.add(parts.get(i).apply(policy).losses().mul(s(weights.get(i))));        // [B]
        }
        return new LossResult(total, first.chosenRewards(), first.rejectedRewards());
    }
}
