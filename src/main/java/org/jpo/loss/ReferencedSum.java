package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;

import java.util.List;

import static org.jpo.tensor.Tensors.s;

/**
 * A weighted sum {@code Σ wᵢ·lossᵢ} of paired losses of which at least one needs the reference, e.g.
 * {@code [sigmoid, sft]} with weights {@code [1.0, 0.2]}, the RPO loss of Pang et al., arXiv:2404.19733.
 * Reference-free parts read the policy log-probs only. The rewards are those of the first part.
 * Build it with {@link WeightedSum#of}.
 *
 * @param parts   referenced or reference-free losses, at least one referenced
 * @param weights one finite weight ≥ 0 per part
 */
public record ReferencedSum(List<PreferenceLoss> parts, List<Double> weights) implements ReferencedLoss {
    public ReferencedSum {
        parts = List.copyOf(parts);
        weights = List.copyOf(weights);
        WeightedSum.check(parts, weights);
        if (parts.stream().noneMatch(p -> p instanceof ReferencedLoss)) {
            throw new IllegalArgumentException("a referenced sum needs a referenced part, got only " + WeightedSum.names(parts));
        }
        if (parts.stream().anyMatch(p -> p instanceof UnpairedLoss)) {
            throw new IllegalArgumentException("unpaired losses cannot be summed with paired ones: " + WeightedSum.names(parts));
        }
    }

    @Override public String name() { return WeightedSum.names(parts); }

    @Override public LossResult apply(PairBatch b) {
        LossResult first = null;
        Tensor total = null;
        for (int i = 0; i < parts.size(); i++) {
            LossResult r = parts.get(i) instanceof ReferencedLoss ref
                    ? ref.apply(b) : ((ReferenceFreeLoss) parts.get(i)).apply(b.policy());
            Tensor weighted = r.losses().mul(s(weights.get(i)));                                   // [B]
            total = total == null ? weighted : total.add(weighted);                               // [B]
            if (first == null) first = r;
        }
        return new LossResult(total, first.chosenRewards(), first.rejectedRewards());
    }
}
