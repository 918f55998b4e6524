package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.jpo.config.Check;

import static org.jpo.tensor.Tensors.s;

/**
 * Robust DPO: {@code [−(1−ε)·logσ(βδ) + ε·logσ(−βδ)] / (1−2ε)}, an unbiased estimate of the clean DPO loss
 * when labels are flipped with probability ε. Chowdhury et al., arXiv:2403.00409.
 *
 * @param beta           KL strength β &gt; 0 (TRL default 0.1)
 * @param labelSmoothing the flip rate ε ∈ [0, 0.5) (TRL {@code label_smoothing}, default 0); at 0.5 the
 *                       labels carry no information and the loss divides by zero
 */
public record Robust(double beta, double labelSmoothing) implements ReferencedLoss {

    public Robust {
        Check.positive("beta", beta);
        Check.within("label_smoothing", labelSmoothing, 0, 0.5, true);
    }

    @Override public String name() { return "robust"; }

    @Override public LossResult apply(PairBatch b) {
        Tensor rhoC = Terms.rhoChosen(b);                                                         // [B]
        Tensor rhoR = Terms.rhoRejected(b);                                                       // [B]
        Tensor z = rhoC.sub(rhoR).mul(s(beta));                                                   // [B]
        double eps = labelSmoothing;
        Tensor losses = torch.logsigmoid(z).mul(s(-(1 - eps)))
                .add(torch.logsigmoid(z.neg()).mul(s(eps)))
                .div(s(1 - 2 * eps));                                                             // [B]
        return Terms.referenced(losses, rhoC, rhoR, beta);
    }
}
