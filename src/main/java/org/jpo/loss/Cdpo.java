package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;
import org.jpo.config.Check;

import static org.jpo.tensor.Tensors.s;

/**
 * Conservative DPO: {@code −(1−ε)·logσ(βδ) − ε·logσ(−βδ)}, DPO with labels assumed flipped with
 * probability ε (label smoothing). Mitchell, "A note on DPO with noisy preferences" (2023), the same
 * cross-entropy used by DPO, arXiv:2305.18290; TRL's {@code sigmoid} with {@code label_smoothing}.
 *
 * @param beta           KL strength β &gt; 0 (TRL default 0.1)
 * @param labelSmoothing ε ∈ [0, 0.5) (TRL {@code label_smoothing}, default 0)
 */
public record Cdpo(double beta, double labelSmoothing) implements ReferencedLoss {

    public Cdpo {
        Check.positive("beta", beta);
        Check.within("label_smoothing", labelSmoothing, 0, 0.5, true);
    }

    @Override public String name() { return "cdpo"; }

    @Override public LossResult apply(PairBatch b) {
        Tensor rhoC = Terms.rhoChosen(b);                                                         // [B]
        Tensor rhoR = Terms.rhoRejected(b);                                                       // [B]
        Tensor losses = Terms.smoothedLogistic(rhoC.sub(rhoR).mul(s(beta)), labelSmoothing);     // [B]
        return Terms.referenced(losses, rhoC, rhoR, beta);
    }
}
