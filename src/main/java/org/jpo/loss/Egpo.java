package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;
import org.jpo.config.Check;

import static org.jpo.tensor.Tensors.s;

/**
 * EGPO's online IPO loss (Zhou, Fazel and Du, arXiv:2503.08942; the loss of the authors' ExtragradientTrainer,
 * github.com/zhourunlong/EGPO): over pairs y, y′ sampled from the policy and compared by the preference model,
 * <pre>
 *   ℓ = (δ̄ − (P − ½)/β)²,   δ̄ = ρ⁺/|y⁺| − ρ⁻/|y⁻|   (plain: δ = ρ⁺ − ρ⁻)
 * </pre>
 * with P = P(y⁺ ≻ y⁻). The β-regularized game's Nash equilibrium π* ∝ π_ref·exp(P(y ≻ π*)/β) is its fixed point, and a
 * gradient step on it is a mirror-descent step on the game (the paper's equivalence, which removes SPPO's and INPO's
 * nested minimization). EGPO takes two per update: the extrapolation θ_{t+½} = θ_t − ∇ℓ(θ_t; samples of π_t), then
 * θ_{t+1} = θ_t − ∇ℓ(θ_t; samples of π_{t+½}); that is the loop's business ({@code org.jpo.loop.Loop}), the loss is one
 * formula. The trainer's default divides log-ratios by length (its {@code normalize_logprobs}); {@code plain} uses sums.
 * Without a preference (offline pairs) P = 1, and the loss is IPO's (δ̄ − 1/(2β))², of which it is the online, soft-label
 * form: in expectation over a label drawn with probability P it differs from IPO's loss by a constant only.
 *
 * @param beta  β &gt; 0, the KL regularization toward π_ref (the paper's β; TRL's OnlineDPOConfig default 0.1)
 * @param plain false: per-token log-ratios (the authors' trainer); true: summed
 */
public record Egpo(double beta, boolean plain) implements ReferencedLoss {
    public Egpo { Check.positive("beta", beta); }

    @Override public String name() { return "egpo"; }

    /** @throws IllegalArgumentException if the batch's preferences are not [B] in [0, 1] */
    @Override public LossResult apply(PairBatch b) {
        Tensor rhoC = Terms.rhoChosen(b);                                                      // [B]
        Tensor rhoR = Terms.rhoRejected(b);                                                    // [B]
        Tensor delta = Terms.logRatioGap(b, rhoC, rhoR, plain);                                // [B]
        Tensor gap = b.preference().map(p -> {
            Terms.checkProbabilities(p, "preference", b.batchSize());
            return delta.sub(p.detach().sub(s(0.5)).div(s(beta)));                             // [B]
        }).orElseGet(() -> delta.sub(s(1 / (2 * beta))));                                      // [B] P = 1
        Tensor losses = gap.square();                                                          // [B]
        return Terms.referenced(losses, rhoC, rhoR, beta);
    }
}
