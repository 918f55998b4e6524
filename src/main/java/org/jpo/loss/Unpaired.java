package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.bytedeco.pytorch.global.torch;

import static org.jpo.tensor.Tensors.s;

/** Pieces the unpaired losses share. */
final class Unpaired {
    private Unpaired() {}

    /** ρ = π − r [B], the reference detached. */
    static Tensor rho(UnpairedBatch b) {
        return b.policy().sum().sub(b.reference().sum().detach());                               // [B]
    }

    /** The labels as a bool mask [B] (callers may pass 0/1 numbers). */
    static Tensor desirable(UnpairedBatch b) {
        return b.desirable().to(ScalarType.Bool);                                                // [B]
    }

    /** Rewards β·ρ on the side each example belongs to, zero on the other. */
    static LossResult result(Tensor losses, Tensor rho, UnpairedBatch b, double beta) {
        Tensor reward = rho.detach().mul(s(beta));                                               // [B]
        Tensor good = desirable(b);                                                              // [B]
        return new LossResult(losses, torch.where(good, reward, s(0)), torch.where(good.logical_not(), reward, s(0)));
    }
}
