package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.jpo.config.Check;

import static org.jpo.tensor.Tensors.s;

/**
 * SimPO: {@code −logσ(β·(π̄⁺ − π̄⁻) − γ)}, reference-free DPO on per-token log-probs with a target margin γ.
 * Meng et al., arXiv:2405.14734. Rewards are β·π̄ (the per-token log-prob), as TRL's CPO trainer logs them.
 *
 * @param beta  β &gt; 0 (the paper uses 2 to 10; TRL's CPO default is 0.1)
 * @param gamma the margin γ ≥ 0 (TRL {@code simpo_gamma}, default 0.5)
 */
public record Simpo(double beta, double gamma) implements ReferenceFreeLoss {

    public Simpo {
        Check.positive("beta", beta);
        Check.nonNegative("simpo.gamma", gamma);
    }

    @Override public String name() { return "simpo"; }

    @Override public LossResult apply(PairLogps policy) {
        Tensor meanC = policy.chosen().sum().div(policy.chosen().length().detach());             // [B]
        Tensor meanR = policy.rejected().sum().div(policy.rejected().length().detach());         // [B]
        Tensor losses = torch.logsigmoid(meanC.sub(meanR).mul(s(beta)).sub(s(gamma))).neg();     // [B]
        return new LossResult(losses, meanC.detach().mul(s(beta)), meanR.detach().mul(s(beta)));
    }
}
