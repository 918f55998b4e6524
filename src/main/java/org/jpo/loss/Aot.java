package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.jpo.config.Check;

import static org.jpo.tensor.Tensors.s;

/**
 * AOT (alignment via optimal transport, paired): sort {@code π⁺−π⁻} and {@code r⁺−r⁻} over the batch
 * separately, {@code d = sorted(π⁺−π⁻) − sorted(r⁺−r⁻)}, loss {@code −(1−ε)·logσ(βd) − ε·logσ(−βd)}.
 * Melnyk et al., arXiv:2406.05882: matching the sorted samples makes the policy's margin distribution
 * dominate the reference's (first-order stochastic dominance), not each pair's margin.
 * Entry i of {@code losses} belongs to the i-th smallest margin, not to pair i, so per-pair weights
 * (WPO) do not apply; the rewards are per pair, β·ρ.
 *
 * @param beta           KL strength β &gt; 0 (TRL default 0.1)
 * @param labelSmoothing ε ∈ [0, 0.5) (TRL {@code label_smoothing}, default 0)
 */
public record Aot(double beta, double labelSmoothing) implements ReferencedLoss {

    public Aot {
        Check.positive("beta", beta);
        Check.within("label_smoothing", labelSmoothing, 0, 0.5, true);
    }

    @Override public String name() { return "aot"; }

    @Override public LossResult apply(PairBatch b) {
        Tensor rhoC = Terms.rhoChosen(b);                                                         // [B]
        Tensor rhoR = Terms.rhoRejected(b);                                                       // [B]
        Tensor policyMargin = b.policy().chosen().sum().sub(b.policy().rejected().sum());         // [B]
        Tensor refMargin = b.reference().chosen().sum().sub(b.reference().rejected().sum()).detach(); // [B]
        Tensor d = sorted(policyMargin).sub(sorted(refMargin));                                   // [B]
        return Terms.referenced(Terms.smoothedLogistic(d.mul(s(beta)), labelSmoothing), rhoC, rhoR, beta);
    }

    /** Ascending over the batch; gradients flow back to the unsorted positions. */
    static Tensor sorted(Tensor t) { return torch.sort(t, 0, false).get0(); }                     // [B]
}
