package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.jpo.config.Check;

import static org.jpo.tensor.Tensors.options;
import static org.jpo.tensor.Tensors.s;
import static org.jpo.tensor.Tensors.sum;

/**
 * PRO, Preference Ranking Optimization (Song et al., arXiv:2306.17492): Plackett–Luce over the list's ranking, on the
 * policy's length-normalised log-probs r_k = π_k/|y_k| (no reference), plus an SFT term on the best completion:
 * <pre>
 *   L = −Σ_{k=1}^{K−1} log( exp(r_k) / Σ_{j≥k} exp(r_j) )  +  λ·NLL(y_1),   NLL(y_1) = −r_1
 * </pre>
 * for y_1 ≻ y_2 ≻ … ≻ y_K. Ties: the k-th factor's denominator runs over y_k and the completions scored strictly
 * below it, so a tied group contributes no ordering between its members:
 * <pre>
 *   L = Σ_i [ log( exp(r_i) + Σ_{j: ψ_j &lt; ψ_i} exp(r_j) ) − r_i ]  +  λ·mean_{i ∈ top tier} (−r_i)
 * </pre>
 * which without ties is the formula above term by term (the last completion's term is log 1 = 0). At K = 2 without
 * ties and λ = 0 it is the Bradley–Terry logistic −logσ(r⁺ − r⁻) on the two scores. Not implemented: the paper's
 * reward-gap temperatures (its "PRO with temperature" variant), which need the reward model's scores.
 *
 * @param sftWeight λ &gt;= 0, the weight of the SFT term (the paper's β)
 */
public record Pro(double sftWeight) implements ListLoss {
    public Pro { Check.nonNegative("pro.sft_weight", sftWeight); }

    @Override public String name() { return "pro"; }

    /** PRO ranks the policy's own length-normalised log-probs: a reference, if given, is not read. */
    @Override public boolean readsReference() { return false; }

    @Override public ListBatch.Result apply(ListBatch b) {
        long k = b.policy().size(1);
        Tensor valid = b.mask().gt(s(0));                                                         // [B,K] bool
        Tensor r = b.policy().div(b.lengths().detach()).masked_fill(valid.logical_not(), s(0));   // [B,K] π/|y|
        Tensor psi = b.scores().detach().masked_fill(valid.logical_not(), s(0));                  // [B,K]
        Tensor self = torch.eye(k, options(torch.ScalarType.Bool)).unsqueeze(0);                 // [1,K,K]
        Tensor below = psi.unsqueeze(1).lt(psi.unsqueeze(2)).logical_and(valid.unsqueeze(1));    // [B,K,K] ψ_j < ψ_i
        Tensor denom = self.logical_or(below);                                                    // [B,K,K] row i: {i} ∪ below
        Tensor logits = r.unsqueeze(1).expand(r.size(0), k, k)                                    // [B,K,K] r_j
                .masked_fill(denom.logical_not(), s(Double.NEGATIVE_INFINITY));
        Tensor lse = logits.logsumexp(new long[] {2}, false);                                     // [B,K]
        Tensor terms = lse.sub(r).mul(b.mask());                                                  // [B,K]
        Tensor losses = sum(terms, 1);                                                            // [B]
        if (sftWeight > 0) {
            Tensor best = b.scores().detach().masked_fill(valid.logical_not(), s(Double.NEGATIVE_INFINITY))
                    .amax(new long[] {1}, true);                                                  // [B,1]
            Tensor top = b.scores().detach().eq(best).logical_and(valid).to(r.scalar_type());     // [B,K]
            Tensor nll = sum(r.mul(top), 1).div(sum(top, 1)).neg();                               // [B]
            losses = losses.add(nll.mul(s(sftWeight)));
        }
        return new ListBatch.Result(losses, r.detach());
    }
}
