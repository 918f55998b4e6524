package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.jpo.config.Check;

import static org.jpo.tensor.Tensors.s;

/**
 * APO-zero (unpaired): desirable examples cost {@code 1 − σ(βρ)}, undesirable ones {@code σ(βρ)}.
 * D'Oosterlinck et al., arXiv:2408.06266. The mismatched completions of the batch are not read.
 * Rewards as in {@link Kto}.
 *
 * @param beta β &gt; 0 (TRL default 0.1)
 */
public record ApoZeroUnpaired(double beta) implements UnpairedLoss {

    public ApoZeroUnpaired { Check.positive("beta", beta); }

    @Override public String name() { return "apo_zero_unpaired"; }

    @Override public LossResult apply(UnpairedBatch b) {
        Tensor rho = Unpaired.rho(b);                                                             // [B]
        Tensor p = rho.mul(s(beta)).sigmoid();                                                    // [B] σ(βρ)
        Tensor losses = torch.where(Unpaired.desirable(b), p.neg().add(s(1)), p);                 // [B]
        return Unpaired.result(losses, rho, b, beta);
    }
}
