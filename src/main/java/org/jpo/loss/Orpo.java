package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.jpo.config.Check;

import static org.jpo.tensor.Tensors.s;

/**
 * ORPO: {@code NLL(y⁺) − λ·logσ(logodds(y⁺) − logodds(y⁻))} with {@code logodds(y) = π̄ − log(1 − exp(π̄))}
 * on per-token log-probs π̄. Hong et al., arXiv:2403.07691. SFT and preference in one reference-free loss.
 * Rewards are λ·π̄, as TRL logs them (TRL calls λ {@code beta}); with λ = 0 they are zero.
 *
 * <p>log(1 − e^x) is computed as log(−expm1(x)) for x &gt; −ln 2 and log1p(−e^x) below, each accurate in its
 * range; π̄ is first capped at {@value #MAX_MEAN_LOGP}, since at π̄ = 0 (probability 1) the odds are
 * infinite.
 *
 * @param lambda the odds-ratio weight λ ≥ 0 (TRL ORPO's {@code beta}, default 0.1)
 */
public record Orpo(double lambda) implements ReferenceFreeLoss {
    static final double MAX_MEAN_LOGP = -1e-6;

    public Orpo { Check.nonNegative("orpo.lambda", lambda); }

    @Override public String name() { return "orpo"; }

    @Override public LossResult apply(PairLogps policy) {
        Tensor meanC = policy.chosen().sum().div(policy.chosen().length().detach());             // [B]
        Tensor meanR = policy.rejected().sum().div(policy.rejected().length().detach());         // [B]
        Tensor oddsRatio = torch.logsigmoid(logOdds(meanC).sub(logOdds(meanR)));                  // [B]
        Tensor losses = meanC.neg().sub(oddsRatio.mul(s(lambda)));                                // [B] NLL(y⁺) = −π̄⁺
        return new LossResult(losses, meanC.detach().mul(s(lambda)), meanR.detach().mul(s(lambda)));
    }

    /** log(p/(1−p)) for log p = x ≤ 0 [B]. */
    static Tensor logOdds(Tensor x) {
        Tensor c = x.clamp_max(s(MAX_MEAN_LOGP));                                            // [B]
        Tensor nearZero = c.expm1().neg().log();                                                  // [B] log(−expm1(x))
        Tensor far = c.exp().neg().log1p();                                                       // [B] log1p(−eˣ)
        Tensor log1mExp = torch.where(c.gt(s(-Math.log(2))), nearZero, far);                      // [B]
        return c.sub(log1mExp);                                                                   // [B]
    }
}
