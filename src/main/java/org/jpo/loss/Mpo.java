package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;
import org.jpo.config.Check;

import static org.jpo.tensor.Tensors.s;
import static org.jpo.tensor.Tensors.sum;

/**
 * MPO, Multi-Preference Optimization (Gupta et al., arXiv:2412.04628; first titled SWEPO, "Simultaneous Weighted
 * Preference Optimization"): Bradley–Terry between the list's set of above-average completions and the whole list,
 * on the DPO scores s_i = β·(π_i − r_i), each completion weighted by how far its reward ψ_i lies from the list's mean:
 * <pre>
 *   L = −log( Σ_{i ∈ Y⁺} w_i·exp(s_i) / Σ_{k ∈ Y⁺ ∪ Y⁻} w_k·exp(s_k) )
 *   Y⁺ = {i : ψ_i &gt; ψ̄},   Y⁻ = {j : ψ_j ≤ ψ̄},   ψ̄ = mean of the list's ψ
 *   w_i = exp(α·(ψ_i − ψ̄)) for i ∈ Y⁺,   w_j = exp(−α·(ψ_j − ψ̄)) = exp(α·|ψ_j − ψ̄|) for j ∈ Y⁻
 * </pre>
 * so w_k = exp(α·|ψ_k − ψ̄|): the paper's "deviation-based weighting", which emphasizes the outliers on either side.
 * The negatives' weight exp(−α·Δψ_j) is read from the paper's description of that weighting (outliers below the mean
 * weigh more), not from its code. α = 0 is unweighted MPO. A list whose rewards are all equal has no positives: its loss
 * is 0 with no gradient (the trainer counts such lists as {@code frac_reward_zero_std}). At K = 2 with ψ⁺ &gt; ψ⁻ the two
 * weights are equal (exp(α·(ψ⁺ − ψ⁻)/2) each) and cancel, so for every α the loss is DPO's −logσ(s⁺ − s⁻).
 *
 * @param beta  KL strength β &gt; 0
 * @param alpha α &gt;= 0, the strength of the deviation weighting (0 = unweighted)
 */
public record Mpo(double beta, double alpha) implements ListLoss {
    public Mpo {
        Check.positive("beta", beta);
        Check.nonNegative("mpo.alpha", alpha);
    }

    @Override public String name() { return "mpo"; }

    @Override public boolean readsReference() { return true; }

    @Override public ListBatch.Result apply(ListBatch b) {
        Tensor ref = b.reference().orElseThrow(() -> new IllegalArgumentException("mpo needs reference log-probs"));
        Tensor valid = b.mask().gt(s(0));                                                         // [B,K] bool
        Tensor sc = b.policy().sub(ref.detach()).mul(s(beta))
                .masked_fill(valid.logical_not(), s(0));                                         // [B,K] s = β·ρ
        Tensor psi = b.scores().detach().masked_fill(valid.logical_not(), s(0));                  // [B,K]
        Tensor mean = sum(psi, 1).div(sum(b.mask(), 1).clamp_min(s(1))).unsqueeze(1);             // [B,1] ψ̄
        Tensor dev = psi.sub(mean).masked_fill(valid.logical_not(), s(0));                        // [B,K] ψ − ψ̄
        Tensor pos = dev.gt(s(0)).logical_and(valid);                                             // [B,K] Y⁺
        Tensor has = pos.any(1);                                                                  // [B] some ψ above ψ̄
        // a list without positives takes its whole list as numerator: the same value twice, a loss and gradient of exactly 0
        Tensor top = pos.logical_or(has.logical_not().unsqueeze(1).logical_and(valid));           // [B,K]
        Tensor z = sc.add(dev.abs().mul(s(alpha)));                                               // [B,K] s + log w
        Tensor num = z.masked_fill(top.logical_not(), s(Double.NEGATIVE_INFINITY)).logsumexp(new long[] {1}, false);   // [B]
        Tensor den = z.masked_fill(valid.logical_not(), s(Double.NEGATIVE_INFINITY)).logsumexp(new long[] {1}, false); // [B]
        Tensor losses = den.sub(num).mul(has.to(sc.scalar_type()));                              // [B]
        return new ListBatch.Result(losses, sc.detach());
    }
}
