package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import static org.jpo.tensor.Tensors.s;

/**
 * DPO: {@code −logσ(βδ)}, δ = (π⁺ − r⁺) − (π⁻ − r⁻). Rafailov et al., arXiv:2305.18290.
 *
 * @param beta KL strength β &gt; 0 (TRL default 0.1)
 */
public record Sigmoid(double beta) implements ReferencedLoss {
    public Sigmoid {
        if (!(beta > 0)) throw new IllegalArgumentException("sigmoid: beta must be > 0, got " + beta);
    }

    @Override public String name() { return "sigmoid"; }

    @Override public LossResult apply(PairBatch b) {
        Tensor rhoC = b.policy().chosen().sum().sub(b.reference().chosen().sum().detach());       // [B]
        Tensor rhoR = b.policy().rejected().sum().sub(b.reference().rejected().sum().detach());   // [B]
        Tensor z = rhoC.sub(rhoR).mul(s(beta));                                                   // [B]
        Tensor losses = torch.logsigmoid(z).neg();                                                // [B]
        return new LossResult(losses, rhoC.detach().mul(s(beta)), rhoR.detach().mul(s(beta)));
    }
}
