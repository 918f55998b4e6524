package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;

/**
 * SFT on the chosen completion: {@code NLL(y⁺) = −π⁺/|y⁺|}, the mean token cross-entropy. Used alone or as
 * the NLL term of a weighted sum ({@code [sigmoid, sft]} is RPO, Pang et al., arXiv:2404.19733, and the
 * NLL term of the Llama 3 report, arXiv:2407.21783). The rejected completion is ignored. Rewards are the
 * per-token log-probs π̄⁺, π̄⁻ (there is no β).
 */
public record Sft() implements ReferenceFreeLoss {

    @Override public String name() { return "sft"; }

    @Override public LossResult apply(PairLogps policy) {
        Tensor meanR = policy.rejected().sum().div(policy.rejected().length()).detach();         // [B]
        Tensor nll = Terms.nllChosen(policy);                                                     // [B]
        return new LossResult(nll, nll.detach().neg(), meanR);
    }
}
