package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;
import org.jpo.config.Check;

import static org.jpo.tensor.Tensors.s;

/**
 * AOT (unpaired): {@code d = sorted(ρ⁺) − sorted(ρ⁻)} over the batch, loss
 * {@code −(1−ε)·logσ(βd) − ε·logσ(−βd)}: the distribution of chosen log-ratios is pushed to dominate that
 * of rejected ones, so chosen and rejected completions need not come in pairs. Melnyk et al.,
 * arXiv:2406.05882 (TRL's {@code aot_pair}). Entry i of {@code losses} belongs to the i-th smallest
 * log-ratios, not to pair i; the rewards are per pair, β·ρ.
 *
 * @param beta           KL strength β &gt; 0 (TRL default 0.1)
 * @param labelSmoothing ε ∈ [0, 0.5) (TRL {@code label_smoothing}, default 0)
 */
public record AotUnpaired(double beta, double labelSmoothing) implements ReferencedLoss {

    public AotUnpaired {
        Check.positive("beta", beta);
        Check.within("label_smoothing", labelSmoothing, 0, 0.5, true);
    }

    @Override public String name() { return "aot_unpaired"; }

    @Override public LossResult apply(PairBatch b) {
        Tensor rhoC = Terms.rhoChosen(b);                                                         // [B]
        Tensor rhoR = Terms.rhoRejected(b);                                                       // [B]
        Tensor d = Aot.sorted(rhoC).sub(Aot.sorted(rhoR));                                        // [B]
        return Terms.referenced(Terms.smoothedLogistic(d.mul(s(beta)), labelSmoothing), rhoC, rhoR, beta);
    }
}
