package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;
import org.jpo.config.Check;

import static org.jpo.tensor.Tensors.s;

/**
 * SPPO (soft): {@code (ρ⁺ − (P⁺ − ½)/β)² + (ρ⁻ − (P⁻ − ½)/β)²}, where P⁺, P⁻ are the estimated win
 * probabilities of each completion against the current policy's samples ({@link PairBatch#winProbs()}).
 * Wu et al., arXiv:2405.00675, Algorithm 1: the log-ratio of each completion regresses on its centred
 * win rate, which approximates the multiplicative-weights update toward the Nash equilibrium.
 *
 * @param beta the KL strength, &gt; 0 (η⁻¹ of the paper; TRL default 0.1)
 */
public record Sppo(double beta) implements ReferencedLoss {

    public Sppo { Check.positive("beta", beta); }

    @Override public String name() { return "sppo"; }

    /** @throws IllegalArgumentException if the batch has no win probabilities or they are not [B] in [0, 1] */
    @Override public LossResult apply(PairBatch b) {
        PairBatch.WinProbs p = b.winProbs().orElseThrow(() -> new IllegalArgumentException(
                "sppo needs the win probabilities P⁺, P⁻ of each pair (PairBatch.winProbs), but the batch has none"));
        Terms.checkProbabilities(p.chosen(), "winProbs.chosen", b.batchSize());
        Terms.checkProbabilities(p.rejected(), "winProbs.rejected", b.batchSize());
        Tensor rhoC = Terms.rhoChosen(b);                                                      // [B]
        Tensor rhoR = Terms.rhoRejected(b);                                                    // [B]
        Tensor targetC = p.chosen().detach().sub(s(0.5)).div(s(beta));                         // [B]
        Tensor targetR = p.rejected().detach().sub(s(0.5)).div(s(beta));                       // [B]
        Tensor losses = rhoC.sub(targetC).square().add(rhoR.sub(targetR).square());            // [B]
        return Terms.referenced(losses, rhoC, rhoR, beta);
    }
}
