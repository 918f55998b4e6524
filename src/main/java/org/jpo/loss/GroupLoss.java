package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.jpo.config.Check;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.jpo.tensor.Tensors.s;
import static org.jpo.tensor.Tensors.sum;

/**
 * The clipped policy-gradient losses of the group methods, as TRL's GRPOTrainer computes them, and Nash-MD-PG. Per completion token t
 * of sample i, with ρ_t = exp(log π_θ − log π_old) and the sample's advantage A_i:
 * <pre>
 *   term_t = −min(ρ_t·A_i, clip(ρ_t, 1−ε, 1+ε)·A_i) + β·k3_t,   k3_t = exp(r_t − π_t) − (r_t − π_t) − 1
 * </pre>
 * (k3: Schulman's unbiased estimator of KL(π_θ‖π_ref), r = log π_ref). The loss of a batch of B samples is the mean
 * over samples of Σ_t term_t / d_i, where d_i is what the {@link #type} normalises by:
 * <ul>
 *   <li>{@code grpo} (DeepSeekMath arXiv:2402.03300): d_i = |y_i|, each sequence's token mean;</li>
 *   <li>{@code dr_grpo} (Dr. GRPO arXiv:2503.20783): d_i = L_max, so the loss is Σ_i Σ_t term_t / (B·L_max), free of the
 *   length bias a per-sequence mean brings;</li>
 *   <li>{@code rloo} (Ahmadian et al. arXiv:2402.14740): d_i = 1, the sequence-level REINFORCE estimator A_i·∇log π(y_i|x)
 *   when ρ = 1.</li>
 *   <li>{@code nash_md} (Nash-MD-PG, Munos et al. arXiv:2312.00886 §7): d_i = 1, and the KL is not a k3 penalty but part of
 *   each token's advantage, Â_t = A_i − β·Σ_{s≥t} sg(π_s − r_s), with A_i = P(y_i ≻ y′_i) − ½ against the sample's opponent
 *   y′_i from the geometric mixture of π and the reference. At ρ = 1 the gradient is the paper's
 *   Σ_t ∇log π(y_t|x, y_{&lt;t})·[P(y ≻ y′) − ½ − τ·Σ_{s≥t} log(π(y_s|·)/μ(y_s|·))] (β is its τ): ½ is the control variate,
 *   and each token's score multiplies only the log-ratios of itself and the tokens after it (the variance reduction the
 *   paper applies to its sample-based KL; the log-ratios of the whole sample, sg(log π(y)/μ(y)), would have the same
 *   mean). Differentiating k3 instead would follow ∇KL(μ‖π) in expectation, not the paper's KL(π‖μ) (arXiv:2506.09477). TRL's
 *   NashMDTrainer multiplies each token's log-prob by its own log-ratio only: its gradient is this one's at ρ = 1 without the
 *   later tokens' terms.</li>
 *   <li>{@code spo} (Swamy et al. arXiv:2401.04056): d_i = 1 as rloo: SPO hands a whole trajectory's reward, its win rate
 *   against the other samples, to a policy-gradient learner, so a completion's gradient is A_i·Σ_t ∇log π(y_t|…).</li>
 * </ul>
 * Each is a mean over samples of a per-sample loss, so a data-parallel rank weighs its loss by its sample count
 * (for dr_grpo this makes the denominator the global N·L_max). The advantages themselves (group-normalised,
 * mean-centred, leave-one-out) are computed by pairing ({@code org.jpo.pairs.Advantages}), from the scores alone.
 *
 * @param type    grpo, dr_grpo, rloo, spo or nash_md
 * @param epsilon ε &gt; 0, the clip range of the ratio (TRL's default 0.2)
 * @param beta    β &gt;= 0, the weight of the k3 KL penalty (TRL's default 0.0: no reference is read); nash_md's τ
 */
public record GroupLoss(LossType type, double epsilon, double beta) implements PreferenceLoss {
    public GroupLoss {
        if (type.kind != LossType.Kind.GROUP) throw new IllegalArgumentException(type + " is not a group loss");
        Check.positive("epsilon", epsilon);
        Check.nonNegative("beta", beta);
    }

    @Override public String name() { return type.key; }

    /** Whether the loss reads reference log-probs: only its KL penalty does. */
    public boolean readsReference() { return beta > 0; }

    /**
     * @param losses     [B] per-sample losses (with gradient); their mean is the batch loss
     * @param tokenTerms [B,T] term_t at completion positions, 0 elsewhere (detached)
     * @param ratio      [B,T] ρ_t (detached)
     * @param kl         [B,T] k3_t at completion positions (detached; zeros without a reference)
     * @param advantages [B,1] A_i, or [B,T] nash_md's Â_t (detached)
     */
    public record Result(Tensor losses, Tensor tokenTerms, Tensor ratio, Tensor kl, Tensor advantages) {
        public Tensor mean() { return losses.mean(); }
    }

    public Result apply(GroupBatch b) {
        if (b.reference().isPresent() != readsReference()) {
            throw new IllegalArgumentException(type + " with beta " + beta + (readsReference() ? " needs" : " reads no") + " reference log-probs");
        }
        Tensor a = b.advantages().unsqueeze(1);                                                   // [B,1]
        Tensor ratio = b.policy().sub(b.old()).exp();                                             // [B,T]
        Tensor clipped = ratio.clamp_min(s(1 - epsilon)).clamp_max(s(1 + epsilon));                 // [B,T]
        Tensor kl = torch.zeros_like(ratio);                                                      // [B,T]
        boolean penalty = b.reference().isPresent() && type != LossType.NASH_MD;
        if (b.reference().isPresent()) {
            Tensor d = b.reference().get().sub(b.policy());                                       // [B,T] r − π
            kl = d.exp().sub(d).sub(s(1));                                                        // [B,T] k3
            // nash_md's KL is in each token's advantage; the others add β·k3 to the term
            if (!penalty) a = a.sub(klToGo(d.neg(), b.mask()).mul(s(beta)));                    // [B,T] Â_t
        }
        Tensor term = torch.minimum(ratio.mul(a), clipped.mul(a)).neg();                          // [B,T]
        if (penalty) term = term.add(kl.mul(s(beta)));
        term = term.mul(b.mask());                                                                // [B,T]
        Tensor perSample = sum(term, 1);                                                          // [B]
        Tensor losses = switch (type) {
            case GRPO -> perSample.div(sum(b.mask(), 1).clamp_min(s(1)));                         // [B] token mean
            case DR_GRPO -> perSample.div(s(b.maxCompletionLength()));                            // [B] / L_max
            case RLOO, SPO, NASH_MD -> perSample;                                                 // [B] sequence sum
            default -> throw new IllegalStateException(type.key);
        };
        return new Result(losses, term.detach(), ratio.detach(), kl.mul(b.mask()).detach(), a.detach());
    }

    /** Σ_{s≥t} of the log-ratios π_s − r_s [B,T] over completion tokens, without gradient: each token's KL still to come. */
    private static Tensor klToGo(Tensor logRatio, Tensor mask) {
        Tensor l = logRatio.mul(mask).detach();                                                   // [B,T]
        return sum(l, 1).unsqueeze(1).sub(l.cumsum(1)).add(l);                                    // [B,T] total − before t
    }

    /**
     * TRL's GRPO metrics of the loss's inputs and output: {@code loss}; {@code kl} (token mean of k3, only when β &gt; 0);
     * {@code clip_ratio/low_mean} (share of completion tokens with ρ &lt; 1−ε and A &lt; 0, where the clip stops the gradient),
     * {@code clip_ratio/high_mean} (ρ &gt; 1+ε and A &gt; 0) and {@code clip_ratio/region_mean} (either).
     */
    public Map<String, Double> metrics(Result r, GroupBatch b) {
        Tensor mask = b.mask().to(torch.ScalarType.Bool);                                         // [B,T]
        Tensor a = r.advantages();                                                                // [B,1] or [B,T]
        Tensor low = r.ratio().lt(s(1 - epsilon)).logical_and(a.lt(s(0))).logical_and(mask);      // [B,T]
        Tensor high = r.ratio().gt(s(1 + epsilon)).logical_and(a.gt(s(0))).logical_and(mask);     // [B,T]
        double tokens = Math.max(1, b.mask().sum().item_double());
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", r.losses().detach().mean().item_double());
        if (readsReference()) m.put("kl", r.kl().sum().item_double() / tokens);
        m.put("clip_ratio/low_mean", low.sum().item_double() / tokens);
        m.put("clip_ratio/high_mean", high.sum().item_double() / tokens);
        m.put("clip_ratio/region_mean", low.logical_or(high).sum().item_double() / tokens);
        return m;
    }
}
