package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;
import org.jpo.config.Check;
import org.jpo.config.ConfigError;

import static org.jpo.tensor.Tensors.s;

/**
 * INPO, iterative Nash policy optimization (Zhang et al., arXiv:2407.00617, Algorithm 1): no-regret self-play by online
 * mirror descent on the τ-regularized preference game. Round t's target is the mirror step from the policy π_t the round
 * starts from, π_{t+1}(y) ∝ π_t(y)^{1−ητ}·π_ref(y)^{ητ}·exp(η·P(y ≻ π_t)), and the paper reaches it without estimating
 * any win rate P(y ≻ π_t), by minimizing over pairs y, y′ ~ π_t labelled by the preference oracle (y_w ≻ y_l)
 * <pre>
 *   L_t(π) = E[(h_t(π, y_w, y_l) − η/2)²],   h_t(π, y, y′) = log π(y)/π(y′) − ητ·log π_ref(y)/π_ref(y′) − (1 − ητ)·log π_t(y)/π_t(y′)
 * </pre>
 * whose minimizer is that step. Per pair, with h = (π⁺ − π⁻) − ητ·(r⁺ − r⁻) − (1 − ητ)·(t⁺ − t⁻) (sums of token log-probs
 * under the policy, π_ref and π_t) and P = P(y⁺ ≻ y⁻) from a pairwise scorer:
 * <pre>
 *   ℓ = P·(h − η/2)² + (1 − P)·(h + η/2)²
 * </pre>
 * the paper's loss in expectation over the oracle's label (y_w = y⁺ with probability P; h is antisymmetric in the pair).
 * A pair without P ({@link PairBatch#preference} empty: offline data) is a labelled y⁺ ≻ y⁻, P = 1: the paper's loss as
 * written. Rewards are τ·ρ, the τ-regularized game's implicit reward.
 *
 * @param eta η &gt; 0, the mirror-descent step size (the target gap η/2; {@code inpo.eta})
 * @param tau τ &gt; 0, the KL regularization toward π_ref ({@code beta}, as IPO's τ is); ητ &lt;= 1 (π_t's weight 1 − ητ)
 */
public record Inpo(double eta, double tau) implements ReferencedLoss {
    public Inpo {
        Check.positive("inpo.eta", eta);
        Check.positive("beta", tau);
        if (eta * tau > 1) {
            throw new ConfigError("inpo.eta", "inpo.eta·beta must be <= 1 (π_t's weight in the step is 1 − ηβ), got " + eta + "·" + tau);
        }
    }

    @Override public String name() { return "inpo"; }

    /** @throws IllegalArgumentException if the batch has no π_t log-probs or its preferences are not [B] in [0, 1] */
    @Override public LossResult apply(PairBatch b) {
        PairLogps t = b.previous().orElseThrow(() -> new IllegalArgumentException(
                "inpo needs the log-probs of the policy the round started from, π_t (PairBatch.previous), but the batch has none"));
        Tensor rhoC = Terms.rhoChosen(b);                                                                // [B]
        Tensor rhoR = Terms.rhoRejected(b);                                                              // [B]
        double mix = eta * tau;
        Tensor pol = b.policy().chosen().sum().sub(b.policy().rejected().sum());                           // [B]
        Tensor ref = b.reference().chosen().sum().sub(b.reference().rejected().sum()).detach();           // [B]
        Tensor prev = t.chosen().sum().sub(t.rejected().sum()).detach();                                  // [B]
        Tensor h = pol.sub(ref.mul(s(mix))).sub(prev.mul(s(1 - mix)));                                   // [B]
        Tensor win = h.sub(s(eta / 2)).square();                                                          // [B]
        Tensor losses = b.preference().map(p -> {
            Terms.checkProbabilities(p, "preference", b.batchSize());
            Tensor pd = p.detach();                                                                        // [B]
            return win.mul(pd).add(h.add(s(eta / 2)).square().mul(pd.neg().add(s(1))));                   // [B]
        }).orElse(win);
        return Terms.referenced(losses, rhoC, rhoR, tau);
    }
}
