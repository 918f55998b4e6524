package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.jpo.config.Check;
import org.jpo.config.ConfigError;

import static org.jpo.tensor.Tensors.s;

/**
 * EXO (pairwise): {@code σ(βδ)·(logσ(βδ) − log(1−ε)) + σ(−βδ)·(logσ(−βδ) − log ε)}, the reverse KL from
 * the policy's pair distribution σ(±βδ) to the ε-smoothed label distribution. Ji et al.,
 * arXiv:2402.00856, Eq. 16. At βδ = ±1000 the vanishing σ multiplies a finite logσ, so nothing is NaN.
 *
 * @param beta    KL strength β &gt; 0 (TRL default 0.1)
 * @param epsilon label smoothing ε ∈ (0, 1), default 1e-3 (TRL substitutes 1e-3 for 0; here 0 is an
 *                error because log ε would be −∞)
 */
public record ExoPair(double beta, double epsilon) implements ReferencedLoss {

    public ExoPair {
        Check.positive("beta", beta);
        if (!(epsilon > 0 && epsilon < 1)) {
            throw new ConfigError("exo_pair.epsilon", "exo_pair.epsilon must be in (0, 1), e.g. 1e-3, got " + epsilon);
        }
    }

    @Override public String name() { return "exo_pair"; }

    @Override public LossResult apply(PairBatch b) {
        Tensor rhoC = Terms.rhoChosen(b);                                                         // [B]
        Tensor rhoR = Terms.rhoRejected(b);                                                       // [B]
        Tensor z = rhoC.sub(rhoR).mul(s(beta));                                                   // [B]
        Tensor agree = z.sigmoid().mul(torch.logsigmoid(z).sub(s(Math.log1p(-epsilon))));         // [B]
        Tensor flip = z.neg().sigmoid().mul(torch.logsigmoid(z.neg()).sub(s(Math.log(epsilon)))); // [B]
        return Terms.referenced(agree.add(flip), rhoC, rhoR, beta);
    }
}
