package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;
import org.jpo.config.Check;

import static org.jpo.tensor.Tensors.s;

/**
 * APO-zero: {@code (1 − σ(βρ⁺)) + σ(βρ⁻)}: raise the chosen likelihood and lower the rejected one, each
 * against the reference. For data whose chosen answers are better than the model's own.
 * D'Oosterlinck et al., arXiv:2408.06266, Eq. 7.
 *
 * @param beta KL strength β &gt; 0 (TRL default 0.1)
 */
public record ApoZero(double beta) implements ReferencedLoss {

    public ApoZero { Check.positive("beta", beta); }

    @Override public String name() { return "apo_zero"; }

    @Override public LossResult apply(PairBatch b) {
        Tensor rhoC = Terms.rhoChosen(b);                                                         // [B]
        Tensor rhoR = Terms.rhoRejected(b);                                                       // [B]
        Tensor losses = rhoC.mul(s(beta)).sigmoid().neg().add(s(1))
                .add(rhoR.mul(s(beta)).sigmoid());                                                // [B]
        return Terms.referenced(losses, rhoC, rhoR, beta);
    }
}
