package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.jpo.config.Check;

import static org.jpo.tensor.Tensors.s;

/**
 * KTO: with {@code z = max(0, KL̂)}, desirable examples cost {@code λ_D·(1 − σ(β(ρ − z)))} and undesirable
 * ones {@code λ_U·(1 − σ(β(z − ρ)))}. Ethayarajh et al., arXiv:2402.01306. KL̂ is the batch mean of
 * (π − r) over the mismatched (x, y′) completions ({@link UnpairedBatch#klPolicy()}), detached: it is
 * the reference point of the prospect-theory value, not something to optimize. Rewards β·ρ go to
 * {@code chosenRewards} for desirable examples and {@code rejectedRewards} for undesirable ones (zero
 * on the other side).
 *
 * @param beta              β &gt; 0 (TRL default 0.1)
 * @param desirableWeight   λ_D ≥ 0 (TRL {@code desirable_weight}, default 1.0)
 * @param undesirableWeight λ_U ≥ 0 (TRL {@code undesirable_weight}, default 1.0)
 */
public record Kto(double beta, double desirableWeight, double undesirableWeight) implements UnpairedLoss {

    public Kto {
        Check.positive("beta", beta);
        Check.nonNegative("desirable_weight", desirableWeight);
        Check.nonNegative("undesirable_weight", undesirableWeight);
    }

    @Override public String name() { return "kto"; }

    @Override public LossResult apply(UnpairedBatch b) {
        Tensor rho = Unpaired.rho(b);                                                             // [B]
        Tensor z = klEstimate(b).clamp_min(s(0));                                                 // [] detached
        Tensor gap = rho.sub(z).mul(s(beta));                                                     // [B] β(ρ − z)
        Tensor desirable = gap.sigmoid().neg().add(s(1)).mul(s(desirableWeight));                 // [B]
        Tensor undesirable = gap.neg().sigmoid().neg().add(s(1)).mul(s(undesirableWeight));       // [B]
        Tensor losses = torch.where(Unpaired.desirable(b), desirable, undesirable);               // [B]
        return Unpaired.result(losses, rho, b, beta);
    }

    /** KL̂ = mean over the mismatched completions of (π − r), without gradient [] . */
    static Tensor klEstimate(UnpairedBatch b) {
        if (b.klPolicy().batchSize() == 0 || b.klPolicy().batchSize() != b.klReference().batchSize()) {
            throw new IllegalArgumentException("kto needs the same positive number of mismatched completions under "
                    + "policy and reference, got " + b.klPolicy().batchSize() + " and " + b.klReference().batchSize());
        }
        return b.klPolicy().sum().sub(b.klReference().sum()).mean().detach();                    // []
    }
}
