package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.jpo.config.Check;

import static org.jpo.tensor.Tensors.options;
import static org.jpo.tensor.Tensors.s;
import static org.jpo.tensor.Tensors.sum;

/**
 * LiPO-λ (Liu et al., arXiv:2402.01878, §4): the LambdaLoss-weighted pairwise logistic over every pair of a list
 * with ψ_i &gt; ψ_j, on the DPO scores s_i = β·(π_i − r_i):
 * <pre>
 *   L = Σ_{i,j: ψ_i &gt; ψ_j} Δ_ij · log(1 + exp(−(s_i − s_j)))
 *   Δ_ij = |G_i − G_j| · |1/D(τ_i) − 1/D(τ_j)|,   G_i = 2^ψ_i − 1,   D(τ) = log2(1 + τ)
 * </pre>
 * τ_i is the 1-based rank of s_i in its list, descending (equal s ranked by list position); Δ is a weight, computed
 * without gradient. Tied scores ψ_i = ψ_j form no pair. L is the plain sum over the list's pairs, with no
 * normalisation (no division by the ideal DCG or by the pair count; the paper's TF-Ranking reduction was not checked),
 * and the batch loss is the mean over lists. At K = 2 it is DPO's −logσ(s⁺ − s⁻) weighted by the constant
 * Δ = |2^ψ⁺ − 2^ψ⁻|·(1 − 1/log2 3), whichever order s puts the two in.
 *
 * @param beta KL strength β &gt; 0
 */
public record LipoLambda(double beta) implements ListLoss {
    public LipoLambda { Check.positive("beta", beta); }

    /** The name users write: {@code lipo} (LiPO-λ is the paper's best variant, and the one built). */
    @Override public String name() { return "lipo"; }

    @Override public boolean readsReference() { return true; }

    @Override public ListBatch.Result apply(ListBatch b) {
        Tensor ref = b.reference().orElseThrow(() -> new IllegalArgumentException("lipo needs reference log-probs"));
        long k = b.policy().size(1);
        Tensor valid = b.mask().gt(s(0));                                                         // [B,K] bool
        Tensor sc = b.policy().sub(ref.detach()).mul(s(beta))
                .masked_fill(valid.logical_not(), s(0));                                         // [B,K] s = β·ρ
        Tensor psi = b.scores().detach().masked_fill(valid.logical_not(), s(0));                  // [B,K]
        Tensor pairValid = valid.unsqueeze(2).logical_and(valid.unsqueeze(1));                    // [B,K,K]
        Tensor delta = lambdaWeights(sc.detach(), psi, pairValid, k);                      // [B,K,K]
        Tensor pairs = psi.unsqueeze(2).gt(psi.unsqueeze(1)).logical_and(pairValid)
                .to(sc.scalar_type());                                                            // [B,K,K] ψ_i > ψ_j
        Tensor logistic = torch.logsigmoid(sc.unsqueeze(2).sub(sc.unsqueeze(1))).neg();           // [B,K,K]
        Tensor losses = sum(sum(logistic.mul(delta).mul(pairs), 2), 1);                           // [B]
        return new ListBatch.Result(losses, sc.detach());
    }

    /** Δ_ij [B,K,K] from the detached scores s (for the ranks τ) and the labels ψ. */
    static Tensor lambdaWeights(Tensor sc, Tensor psi, Tensor pairValid, long k) {
        Tensor idx = torch.arange(s(k), options(torch.ScalarType.Long));                          // [K]
        Tensor before = idx.unsqueeze(0).lt(idx.unsqueeze(1)).unsqueeze(0);                       // [1,K,K] j < i
        Tensor si = sc.unsqueeze(2), sj = sc.unsqueeze(1);                                        // [B,K,1], [B,1,K]
        Tensor ahead = sj.gt(si).logical_or(sj.eq(si).logical_and(before)).logical_and(pairValid); // [B,K,K] j ranks above i
        Tensor tau = sum(ahead.to(sc.scalar_type()), 2).add(s(1));                                // [B,K] 1-based rank
        Tensor invD = tau.add(s(1)).log2().reciprocal();                                          // [B,K] 1/log2(1+τ)
        Tensor gain = psi.mul(s(Math.log(2))).exp().sub(s(1));                                    // [B,K] 2^ψ − 1
        Tensor dg = gain.unsqueeze(2).sub(gain.unsqueeze(1)).abs();                               // [B,K,K]
        Tensor dd = invD.unsqueeze(2).sub(invD.unsqueeze(1)).abs();                               // [B,K,K]
        return dg.mul(dd);
    }
}
