package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;
import org.jpo.config.Check;

import static org.jpo.tensor.Tensors.s;

/**
 * IPO: {@code (δ̄ − 1/(2β))²} with {@code δ̄ = ρ⁺/|y⁺| − ρ⁻/|y⁻|}, the length-normalized form TRL uses;
 * with {@code plain} the summed {@code δ} replaces {@code δ̄}, as in Eq. 17 of the paper.
 * Azar et al., arXiv:2310.12036. The regression target 1/(2β) keeps the log-ratio gap finite even for
 * deterministic preferences, which is what stops IPO from overfitting where DPO does not.
 * Rewards are β·ρ (summed log-ratios) in both forms.
 *
 * @param beta  the regularization τ of the paper, &gt; 0 (TRL default 0.1)
 * @param plain false: per-token log-ratios (TRL); true: summed log-ratios (the paper)
 */
public record Ipo(double beta, boolean plain) implements ReferencedLoss {

    public Ipo { Check.positive("beta", beta); }

    /** The length-normalized form (TRL's {@code ipo}). */
    public static Ipo normalized(double beta) { return new Ipo(beta, false); }

    /** The summed form of the paper's Eq. 17. */
    public static Ipo summed(double beta) { return new Ipo(beta, true); }

    @Override public String name() { return "ipo"; }

    @Override public LossResult apply(PairBatch b) {
        Tensor rhoC = Terms.rhoChosen(b);                                                      // [B]
        Tensor rhoR = Terms.rhoRejected(b);                                                    // [B]
        Tensor delta = Terms.logRatioGap(b, rhoC, rhoR, plain);                                // [B]
        Tensor losses = delta.sub(s(1 / (2 * beta))).square();                                 // [B]
        return Terms.referenced(losses, rhoC, rhoR, beta);
    }
}
