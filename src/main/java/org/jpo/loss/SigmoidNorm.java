package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.jpo.config.Check;

import static org.jpo.tensor.Tensors.s;

/**
 * Length-normalized DPO: {@code −logσ(β·(ρ⁺/|y⁺| − ρ⁻/|y⁻|))}, DPO on per-token log-ratios so long
 * completions do not win by length. Tülu 3, Lambert et al., arXiv:2411.15124 §4.3. Rewards are β·ρ
 * (summed), like every referenced loss here.
 *
 * @param beta KL strength β &gt; 0 (Tülu 3 uses 5; TRL default 0.1)
 */
public record SigmoidNorm(double beta) implements ReferencedLoss {

    public SigmoidNorm { Check.positive("beta", beta); }

    @Override public String name() { return "sigmoid_norm"; }

    @Override public LossResult apply(PairBatch b) {
        Tensor rhoC = Terms.rhoChosen(b);                                                         // [B]
        Tensor rhoR = Terms.rhoRejected(b);                                                       // [B]
        Tensor gap = Terms.perToken(rhoC, b.policy().chosen()).sub(Terms.perToken(rhoR, b.policy().rejected())); // [B]
        Tensor losses = torch.logsigmoid(gap.mul(s(beta))).neg();                                 // [B]
        return Terms.referenced(losses, rhoC, rhoR, beta);
    }
}
