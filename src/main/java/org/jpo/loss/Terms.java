package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import static org.jpo.tensor.Tensors.checkShape;
import static org.jpo.tensor.Tensors.s;

/** Pieces the losses share: log-ratios with the reference detached, rewards, knob checks. */
final class Terms {
    private Terms() {}

    /** ρ⁺ = π⁺ − r⁺ [B]; the reference is detached so no gradient can reach it. */
    static Tensor rhoChosen(PairBatch b) {
        return b.policy().chosen().sum().sub(b.reference().chosen().sum().detach());       // [B]
    }

    /** ρ⁻ = π⁻ − r⁻ [B]. */
    static Tensor rhoRejected(PairBatch b) {
        return b.policy().rejected().sum().sub(b.reference().rejected().sum().detach());   // [B]
    }

    /** Per-token log-ratio ρ/|y| [B]; lengths are data, never differentiated. */
    static Tensor perToken(Tensor rho, Logps side) {
        return rho.div(side.length().detach());                                            // [B]
    }

    /** The result of a referenced loss: R⁺ = β·ρ⁺, R⁻ = β·ρ⁻, detached. */
    static LossResult referenced(Tensor losses, Tensor rhoC, Tensor rhoR, double beta) {
        return new LossResult(losses, rhoC.detach().mul(s(beta)), rhoR.detach().mul(s(beta)));
    }

    /** The smoothed logistic loss −(1−ε)·logσ(z) − ε·logσ(−z) [B] (cDPO, AOT). */
    static Tensor smoothedLogistic(Tensor z, double eps) {
        Tensor pos = torch.logsigmoid(z).mul(s(-(1 - eps)));                               // [B]
        return eps == 0 ? pos : pos.sub(torch.logsigmoid(z.neg()).mul(s(eps)));           // [B]
    }

    /** NLL(y⁺) = −π⁺/|y⁺|, the mean token cross-entropy of the chosen completion [B]. */
    static Tensor nllChosen(PairLogps policy) {
        return policy.chosen().sum().div(policy.chosen().length().detach()).neg();          // [B]
    }

    /** Fails unless {@code p} is [B] with every entry in [0, 1]. */
    static void checkProbabilities(Tensor p, String name, long batch) {
        checkShape(p, name, batch);
        double min = p.min().item_double(), max = p.max().item_double();
        if (!(min >= 0 && max <= 1)) {
            throw new IllegalArgumentException(name + " must lie in [0, 1], got values in [" + min + ", " + max + "]");
        }
    }

    /** ρ⁺ − ρ⁻, summed ({@code plain}) or per token (each divided by its completion's length): IPO's and EGPO's gap. */
    static Tensor logRatioGap(PairBatch b, Tensor rhoC, Tensor rhoR, boolean plain) {
        return plain ? rhoC.sub(rhoR) : perToken(rhoC, b.policy().chosen()).sub(perToken(rhoR, b.policy().rejected()));
    }
}
