package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.jpo.config.Check;

import static org.jpo.tensor.Tensors.s;

/**
 * NCA (pairwise): {@code −logσ(R⁺) − ½·logσ(−R⁺) − ½·logσ(−R⁻)} with R = βρ. Chen et al., arXiv:2402.05369.
 * Unlike DPO it scores each completion's absolute reward, so the chosen likelihood is not pushed down
 * together with the rejected one.
 *
 * @param beta KL strength β &gt; 0 (TRL default 0.1)
 */
public record NcaPair(double beta) implements ReferencedLoss {

    public NcaPair { Check.positive("beta", beta); }

    @Override public String name() { return "nca_pair"; }

    @Override public LossResult apply(PairBatch b) {
        Tensor rhoC = Terms.rhoChosen(b);                                                         // [B]
        Tensor rhoR = Terms.rhoRejected(b);                                                       // [B]
        Tensor rc = rhoC.mul(s(beta));                                                            // [B]
        Tensor rr = rhoR.mul(s(beta));                                                            // [B]
        Tensor losses = torch.logsigmoid(rc).neg()
                .sub(torch.logsigmoid(rc.neg()).mul(s(0.5)))
                .sub(torch.logsigmoid(rr.neg()).mul(s(0.5)));                                     // [B]
        return Terms.referenced(losses, rhoC, rhoR, beta);
    }
}
