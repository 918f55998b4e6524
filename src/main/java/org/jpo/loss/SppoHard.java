package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;
import org.jpo.config.Check;

import static org.jpo.tensor.Tensors.s;

/**
 * SPPO with hard labels: {@code (ρ⁺ − 1/(2β))² + (ρ⁻ + 1/(2β))²}, i.e. {@link Sppo} with P⁺ = 1, P⁻ = 0.
 * Wu et al., arXiv:2405.00675. Each completion's log-ratio is regressed on its own target, not the gap,
 * so the chosen log-prob is pushed up and the rejected one down independently.
 *
 * @param beta the KL strength, &gt; 0 (η⁻¹ of the paper; TRL default 0.1)
 */
public record SppoHard(double beta) implements ReferencedLoss {

    public SppoHard { Check.positive("beta", beta); }

    @Override public String name() { return "sppo_hard"; }

    @Override public LossResult apply(PairBatch b) {
        Tensor rhoC = Terms.rhoChosen(b);                                                      // [B]
        Tensor rhoR = Terms.rhoRejected(b);                                                    // [B]
        double target = 1 / (2 * beta);
        Tensor losses = rhoC.sub(s(target)).square().add(rhoR.add(s(target)).square());       // [B]
        return Terms.referenced(losses, rhoC, rhoR, beta);
    }
}
