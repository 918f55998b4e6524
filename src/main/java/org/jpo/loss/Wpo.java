package org.jpo.loss;

import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import static org.jpo.tensor.Tensors.*;

/**
 * WPO weighting (Zhou et al., arXiv:2406.11827, Eq. 2): off-policy pairs are reweighted by how likely the
 * current policy is to produce them. For one completion
 * {@code w = exp(mean over its tokens of [log p(t) − log Σ_v p(v)²])}, where
 * {@code log Σ_v p(v)² = logsumexp(2·logits) − 2·logsumexp(logits)}: the token's log-prob relative to the
 * policy's own expected probability, so sharp and flat distributions are comparable. A pair's loss is
 * multiplied by {@code w⁺·w⁻}; the weights carry no gradient. TRL additionally clamps w⁺·w⁻ at 1;
 * this follows the paper and the formula sheet and does not.
 */
public final class Wpo {
    private Wpo() {}

    /**
     * Per-completion weights [B], computed without gradient.
     *
     * @param logits  [B,T,V] policy logits, position t predicting {@code targets[b,t]} (already shifted)
     * @param targets [B,T] token ids (any value where the mask is 0, e.g. −100)
     * @param mask    [B,T] 1 on completion tokens, 0 elsewhere; every row needs at least one token
     */
    public static Tensor weights(Tensor logits, Tensor targets, Tensor mask) {
        checkShape(logits, "logits", -1, -1, -1);
        checkShape(targets, "targets", logits.size(0), logits.size(1));
        checkShape(mask, "mask", logits.size(0), logits.size(1));
        try (NoGradGuard noGrad = new NoGradGuard()) {
            Tensor x = logits.detach();                                                           // [B,T,V]
            Tensor on = mask.to(torch.ScalarType.Bool);                                           // [B,T]
            Tensor ids = torch.where(on, targets, s(0)).to(torch.ScalarType.Long);                // [B,T]
            Tensor lse = x.logsumexp(new long[] {-1}, false);                                     // [B,T]
            Tensor logp = x.gather(-1, ids.unsqueeze(-1)).squeeze(-1).sub(lse);                   // [B,T]
            Tensor logSumSq = x.mul(s(2)).logsumexp(new long[] {-1}, false).sub(lse.mul(s(2)));   // [B,T]
            return fromTokens(logp, logSumSq, mask);
        }
    }

    /**
     * The same from per-token log p(t) and log Σ_v p(v)² [B,T] (e.g. computed chunk by chunk, without the logits).
     *
     * @param mask [B,T] 1 on completion tokens; every row needs at least one
     */
    public static Tensor fromTokens(Tensor tokenLogps, Tensor logSumSq, Tensor mask) {
        checkShape(logSumSq, "log sum p^2", tokenLogps.size(0), tokenLogps.size(1));
        checkShape(mask, "mask", tokenLogps.size(0), tokenLogps.size(1));
        try (NoGradGuard noGrad = new NoGradGuard()) {
            Tensor on = mask.to(torch.ScalarType.Bool);                                           // [B,T]
            Tensor count = sum(on.to(tokenLogps.scalar_type()), 1);                               // [B]
            if (count.min().item_double() < 1) throw new IllegalArgumentException("wpo: a completion has no tokens in mask");
            Tensor perToken = torch.where(on, tokenLogps.detach().sub(logSumSq), s(0));           // [B,T]
            return sum(perToken, 1).div(count).exp();                                             // [B]
        }
    }

    /** {@code r} with each pair's loss multiplied by w⁺·w⁻ [B] (detached); rewards unchanged. */
    public static LossResult apply(LossResult r, Tensor chosenWeights, Tensor rejectedWeights) {
        checkShape(chosenWeights, "chosen weights", r.losses().size(0));
        checkShape(rejectedWeights, "rejected weights", r.losses().size(0));
        Tensor w = chosenWeights.mul(rejectedWeights).detach();                                  // [B]
        return new LossResult(r.losses().mul(w), r.chosenRewards(), r.rejectedRewards());
    }
}
