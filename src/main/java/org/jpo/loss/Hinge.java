package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;
import org.jpo.config.Check;

import static org.jpo.tensor.Tensors.s;

/**
 * Hinge (SLiC-HF / RSO): {@code max(0, 1 − βδ)}. Zhao et al., arXiv:2305.10425; Liu et al.,
 * arXiv:2309.06657. Pairs already separated by a margin of 1/β contribute nothing.
 *
 * @param beta β &gt; 0, the inverse margin (TRL default 0.1)
 */
public record Hinge(double beta) implements ReferencedLoss {

    public Hinge { Check.positive("beta", beta); }

    @Override public String name() { return "hinge"; }

    @Override public LossResult apply(PairBatch b) {
        Tensor rhoC = Terms.rhoChosen(b);                                                         // [B]
        Tensor rhoR = Terms.rhoRejected(b);                                                       // [B]
        Tensor losses = rhoC.sub(rhoR).mul(s(-beta)).add(s(1)).relu();                           // [B]
        return Terms.referenced(losses, rhoC, rhoR, beta);
    }
}
