package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.jpo.config.Check;

import static org.jpo.tensor.Tensors.s;

/**
 * DiscoPOP (log-ratio modulated loss): {@code z = βδ}, {@code m = σ(z/τ)},
 * {@code (1−m)·(−logσ(z)) + m·exp(−z)}: logistic for badly ordered pairs, exponential for well ordered
 * ones. Chris Lu et al., arXiv:2406.08414. The second term is computed as {@code exp(logσ(z/τ) − z)}:
 * written as σ(z/τ)·exp(−z) it is 0·∞ = NaN at z = −1000. For τ &lt; 1 it vanishes as z → −∞; for τ &gt; 1
 * the loss itself grows like exp((1/τ − 1)·|z|) there and overflows for large |z|.
 *
 * @param beta KL strength β &gt; 0 (TRL default 0.1)
 * @param tau  the modulation temperature τ &gt; 0 (TRL {@code discopop_tau}, default 0.05)
 */
public record Discopop(double beta, double tau) implements ReferencedLoss {

    public Discopop {
        Check.positive("beta", beta);
        Check.positive("discopop_tau", tau);
    }

    @Override public String name() { return "discopop"; }

    @Override public LossResult apply(PairBatch b) {
        Tensor rhoC = Terms.rhoChosen(b);                                                         // [B]
        Tensor rhoR = Terms.rhoRejected(b);                                                       // [B]
        Tensor z = rhoC.sub(rhoR).mul(s(beta));                                                   // [B]
        Tensor logistic = z.div(s(tau)).neg().sigmoid().mul(torch.logsigmoid(z).neg());          // [B]
        Tensor exponential = torch.logsigmoid(z.div(s(tau))).sub(z).exp();                        // [B]
        return Terms.referenced(logistic.add(exponential), rhoC, rhoR, beta);
    }
}
