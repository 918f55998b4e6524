package org.jpo.sampling;

import org.bytedeco.pytorch.Tensor;
import org.jpo.model.Transformer;

import static org.jpo.tensor.Tensors.s;

/**
 * Nash-MD's opponent (Munos et al. arXiv:2312.00886, §7, the one-step-at-a-time regularized policy): the geometric
 * mixture π^β(y) ∝ π(y)^{1−β}·μ(y)^β of the policy π and a reference μ, sampled token by token from the normalized
 * per-token mixture
 * <pre>
 *   π^β(y_n | x, y_{&lt;n}) = softmax((1−β)·log π(·|x, y_{&lt;n}) + β·log μ(·|x, y_{&lt;n}))
 * </pre>
 * as TRL's GeometricMixtureWrapper does. Mixing the raw logits is the same distribution (each model's log-normalizer
 * is a constant of the row, which softmax drops) and at β = 0 gives the policy's logits bit for bit. A row's
 * temperature, top-k and top-p apply to the mixed logits; its recorded log-probs are the mixture's at temperature 1.
 * The product of per-token mixtures is not the sequence-level mixture (its normalizers depend on the prefix), the
 * approximation the paper makes for sequences.
 *
 * @param reference μ, decoded in lockstep with the policy in a KV cache of its own; same vocabulary
 * @param coef      β in [0, 1] (TRL's mixture_coef): 0 is the policy itself, 1 the reference
 */
public record Mixture(Transformer reference, double coef) {
    public Mixture {
        if (!(coef >= 0 && coef <= 1)) throw new IllegalArgumentException("mixture_coef must be in [0, 1], got " + coef);
    }

    /** (1−β)·policy + β·reference, for logits [B,V] of the same rows. */
    Tensor mix(Tensor policy, Tensor reference) {
        return policy.mul(s(1 - coef)).add(reference.mul(s(coef)));   // [B,V]
    }
}
