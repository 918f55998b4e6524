package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.jpo.config.Check;

import static org.jpo.tensor.Tensors.s;

/**
 * DPO: {@code −logσ(βδ)}, δ = (π⁺ − r⁺) − (π⁻ − r⁻). Rafailov et al., arXiv:2305.18290.
 * With an {@link FDivergence} other than reverse KL, δ is formed from the transformed log-ratios
 * f′(e^ρ⁺) − f′(e^ρ⁻) (arXiv:2309.16240); the rewards stay β·ρ, as TRL logs them.
 *
 * @param beta       KL strength β &gt; 0 (TRL default 0.1)
 * @param divergence the f-divergence regularizer (TRL {@code f_divergence_type}); reverse KL is DPO
 */
public record Sigmoid(double beta, FDivergence divergence) implements ReferencedLoss {

    public Sigmoid {
        Check.positive("beta", beta);
        if (divergence == null) throw new IllegalArgumentException("sigmoid: divergence is missing");
    }

    /** Plain DPO (reverse KL). */
    public Sigmoid(double beta) { this(beta, FDivergence.REVERSE_KL); }

    @Override public String name() { return "sigmoid"; }

    @Override public LossResult apply(PairBatch b) {
        Tensor rhoC = Terms.rhoChosen(b);                                                         // [B]
        Tensor rhoR = Terms.rhoRejected(b);                                                       // [B]
        Tensor z = divergence.apply(rhoC).sub(divergence.apply(rhoR)).mul(s(beta));               // [B]
        Tensor losses = torch.logsigmoid(z).neg();                                                // [B]
        return Terms.referenced(losses, rhoC, rhoR, beta);
    }
}
