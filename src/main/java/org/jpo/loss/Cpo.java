package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.jpo.config.Check;

import static org.jpo.tensor.Tensors.s;

/**
 * CPO: {@code −logσ(β·(π⁺ − π⁻)) + λ·NLL(y⁺)}, reference-free DPO plus a behaviour-cloning term on the
 * chosen completion (NLL = mean token cross-entropy = −π⁺/|y⁺|). Xu et al., arXiv:2401.08417.
 * Rewards are β·π (summed log-probs), as TRL's CPO trainer logs them.
 *
 * @param beta   β &gt; 0 (TRL default 0.1)
 * @param lambda the NLL weight λ ≥ 0 (TRL {@code cpo_alpha}, default 1.0)
 */
public record Cpo(double beta, double lambda) implements ReferenceFreeLoss {

    public Cpo {
        Check.positive("beta", beta);
        Check.nonNegative("cpo.alpha", lambda);
    }

    @Override public String name() { return "cpo"; }

    @Override public LossResult apply(PairLogps policy) {
        Tensor piC = policy.chosen().sum();                                                       // [B]
        Tensor piR = policy.rejected().sum();                                                     // [B]
        Tensor preference = torch.logsigmoid(piC.sub(piR).mul(s(beta))).neg();                    // [B]
        Tensor losses = preference.add(Terms.nllChosen(policy).mul(s(lambda)));                   // [B]
        return new LossResult(losses, piC.detach().mul(s(beta)), piR.detach().mul(s(beta)));
    }
}
