package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.jpo.config.Check;

import static org.jpo.tensor.Tensors.s;

/**
 * Length-regularized DPO: {@code −logσ(βδ − α·(|y⁺| − |y⁻|))}: a chosen completion longer than the
 * rejected one must win by a larger margin, which counters DPO's drift toward verbosity. Park et al.
 * (R-DPO), arXiv:2403.19159; Liu et al. (iterative length-regularized DPO), arXiv:2406.11817.
 *
 * @param beta  KL strength β &gt; 0 (TRL default 0.1)
 * @param alpha the length penalty α ≥ 0 per token of length difference (default 0.01, a small value
 *              chosen here; the papers tune it per setup)
 */
public record Rdpo(double beta, double alpha) implements ReferencedLoss {

    public Rdpo {
        Check.positive("beta", beta);
        Check.nonNegative("rdpo.alpha", alpha);
    }

    @Override public String name() { return "rdpo"; }

    @Override public LossResult apply(PairBatch b) {
        Tensor rhoC = Terms.rhoChosen(b);                                                         // [B]
        Tensor rhoR = Terms.rhoRejected(b);                                                       // [B]
        Tensor lengthGap = b.policy().chosen().length().sub(b.policy().rejected().length()).detach(); // [B]
        Tensor z = rhoC.sub(rhoR).mul(s(beta)).sub(lengthGap.mul(s(alpha)));                      // [B]
        return Terms.referenced(torch.logsigmoid(z).neg(), rhoC, rhoR, beta);
    }
}
