package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import static org.jpo.tensor.Tensors.*;

/**
 * LD-DPO length desensitization (Liu et al., arXiv:2409.06411): a completion's log-prob is the sum over its
 * first {@code ℓ = min(|y⁺|, |y⁻|)} tokens plus {@code α ×} the sum over the rest, so the extra tokens of
 * the longer completion count less and DPO's pull toward length weakens. Apply it to the policy and the
 * reference alike (TRL applies it to the policy only). The returned lengths are the true |y|.
 */
public final class LdDpo {
    private LdDpo() {}

    /**
     * @param chosenTokens   [B,T] per-token log-probs of the chosen completions (gradient flows through)
     * @param chosenMask     [B,T] 1 on completion tokens; "first" means first in mask order
     * @param rejectedTokens [B,T′] the same for the rejected completions
     * @param rejectedMask   [B,T′]
     * @param alpha          α ∈ [0, 1] (TRL {@code ld_alpha}); 1 gives the plain sums
     */
    public static PairLogps logps(Tensor chosenTokens, Tensor chosenMask, Tensor rejectedTokens, Tensor rejectedMask,
                                  double alpha) {
        if (!(alpha >= 0 && alpha <= 1)) throw new IllegalArgumentException("ld_alpha must be in [0, 1], got " + alpha);
        checkShape(chosenTokens, "chosen token log-probs", -1, -1);
        checkShape(chosenMask, "chosen mask", chosenTokens.size(0), chosenTokens.size(1));
        checkShape(rejectedTokens, "rejected token log-probs", chosenTokens.size(0), -1);
        checkShape(rejectedMask, "rejected mask", rejectedTokens.size(0), rejectedTokens.size(1));
        Tensor lenC = sum(chosenMask.to(chosenTokens.scalar_type()), 1);                          // [B]
        Tensor lenR = sum(rejectedMask.to(rejectedTokens.scalar_type()), 1);                      // [B]
        Tensor shared = torch.minimum(lenC, lenR);                                                // [B] ℓ
        return new PairLogps(side(chosenTokens, chosenMask, shared, lenC, alpha),
                side(rejectedTokens, rejectedMask, shared, lenR, alpha));
    }

    private static Logps side(Tensor tokens, Tensor mask, Tensor shared, Tensor length, double alpha) {
        Tensor on = mask.to(torch.ScalarType.Bool);                                               // [B,T]
        Tensor m = on.to(tokens.scalar_type());                                                   // [B,T]
        Tensor rank = m.cumsum(1);                                                                // [B,T] 1-based among completion tokens
        Tensor front = m.mul(rank.le(shared.unsqueeze(1)).to(tokens.scalar_type()));              // [B,T]
        Tensor weight = front.add(m.sub(front).mul(s(alpha)));                                    // [B,T]
        Tensor lp = torch.where(on, tokens, s(0));                                                // [B,T] padding may hold −inf
        return new Logps(sum(lp.mul(weight), 1), length);                                         // [B]
    }
}
