package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.jpo.config.Check;

import static org.jpo.tensor.Tensors.s;

/**
 * DPO-Positive (Smaug): {@code −logσ(β·(δ − λ·max(0, r⁺ − π⁺)))}: penalizes any drop of the chosen
 * likelihood below the reference, which plain DPO allows whenever the rejected one drops faster.
 * Pal et al., arXiv:2402.13228.
 *
 * @param beta   KL strength β &gt; 0 (TRL default 0.1)
 * @param lambda the penalty weight λ ≥ 0 (default 50, the paper's value)
 */
public record Dpop(double beta, double lambda) implements ReferencedLoss {

    public Dpop {
        Check.positive("beta", beta);
        Check.nonNegative("dpop.lambda", lambda);
    }

    @Override public String name() { return "dpop"; }

    @Override public LossResult apply(PairBatch b) {
        Tensor rhoC = Terms.rhoChosen(b);                                                         // [B]
        Tensor rhoR = Terms.rhoRejected(b);                                                       // [B]
        Tensor penalty = rhoC.neg().relu().mul(s(lambda));                                        // [B] λ·max(0, r⁺ − π⁺)
        Tensor losses = torch.logsigmoid(rhoC.sub(rhoR).sub(penalty).mul(s(beta))).neg();         // [B]
        return Terms.referenced(losses, rhoC, rhoR, beta);
    }
}
