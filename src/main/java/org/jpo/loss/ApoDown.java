package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;
import org.jpo.config.Check;

import static org.jpo.tensor.Tensors.s;

/**
 * APO-down: {@code σ(βρ⁺) + (1 − σ(βδ))}: lower both likelihoods while keeping the chosen one ahead. For
 * data whose chosen answers are worse than the model's own. D'Oosterlinck et al., arXiv:2408.06266, Eq. 8.
 *
 * @param beta KL strength β &gt; 0 (TRL default 0.1)
 */
public record ApoDown(double beta) implements ReferencedLoss {

    public ApoDown { Check.positive("beta", beta); }

    @Override public String name() { return "apo_down"; }

    @Override public LossResult apply(PairBatch b) {
        Tensor rhoC = Terms.rhoChosen(b);                                                         // [B]
        Tensor rhoR = Terms.rhoRejected(b);                                                       // [B]
        Tensor losses = rhoC.mul(s(beta)).sigmoid()
                .add(rhoC.sub(rhoR).mul(s(beta)).sigmoid().neg().add(s(1)));                     // [B]
        return Terms.referenced(losses, rhoC, rhoR, beta);
    }
}
