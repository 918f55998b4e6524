package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.jpo.config.Check;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.jpo.tensor.Tensors.s;
import static org.jpo.tensor.Tensors.sum;

/**
 * The clipped policy-gradient losses of the group methods, as TRL's GRPOTrainer computes them. Per completion token t
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
 *   <li>{@code spo} (Swamy et al. arXiv:2401.04056): d_i = 1 as rloo: SPO hands a whole trajectory's reward, its win rate
 *   against the other samples, to a policy-gradient learner, so a completion's gradient is A_i·Σ_t ∇log π(y_t|…).</li>
 * </ul>
 * Each is a mean over samples of a per-sample loss, so a data-parallel rank weighs its loss by its sample count
 * (for dr_grpo this makes the denominator the global N·L_max). The advantages themselves (group-normalised,
 * mean-centred, leave-one-out) are computed by pairing ({@code org.jpo.pairs.Advantages}), from the scores alone.
 *
 * @param type    grpo, dr_grpo, rloo or spo
 * @param epsilon ε &gt; 0, the clip range of the ratio (TRL's default 0.2)
 * @param beta    β &gt;= 0, the weight of the k3 KL penalty (TRL's default 0.0: no reference is read)
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
     */
    public record Result(Tensor losses, Tensor tokenTerms, Tensor ratio, Tensor kl) {
        public Tensor mean() { return losses.mean(); }
    }

    public Result apply(GroupBatch b) {
        if (b.reference().isPresent() != readsReference()) {
            throw new IllegalArgumentException(type + " with beta " + beta + (readsReference() ? " needs" : " reads no") + " reference log-probs");
        }
        Tensor a = b.advantages().unsqueeze(1);                                                   // [B,1]
        Tensor ratio = b.policy().sub(b.old()).exp();                                             // [B,T]
        Tensor clipped = ratio.clamp_min(s(1 - epsilon)).clamp_max(s(1 + epsilon));                 // [B,T]
        Tensor term = torch.minimum(ratio.mul(a), clipped.mul(a)).neg();                          // [B,T]
        Tensor kl = torch.zeros_like(term);                                                       // [B,T]
        if (b.reference().isPresent()) {
            Tensor d = b.reference().get().sub(b.policy());                                       // [B,T] r − π
            kl = d.exp().sub(d).sub(s(1));                                                        // [B,T] k3
            term = term.add(kl.mul(s(beta)));
        }
        term = term.mul(b.mask());                                                                // [B,T]
        Tensor perSample = sum(term, 1);                                                          // [B]
        Tensor losses = switch (type) {
            case GRPO -> perSample.div(sum(b.mask(), 1).clamp_min(s(1)));                         // [B] token mean
            case DR_GRPO -> perSample.div(s(b.maxCompletionLength()));                            // [B] / L_max
            case RLOO, SPO -> perSample;                                                          // [B] sequence sum
            default -> throw new IllegalStateException(type.key);
        };
        return new Result(losses, term.detach(), ratio.detach(), kl.mul(b.mask()).detach());
    }

    /**
     * TRL's GRPO metrics of the loss's inputs and output: {@code loss}; {@code kl} (token mean of k3, only when β &gt; 0);
     * {@code clip_ratio/low_mean} (share of completion tokens with ρ &lt; 1−ε and A &lt; 0, where the clip stops the gradient),
     * {@code clip_ratio/high_mean} (ρ &gt; 1+ε and A &gt; 0) and {@code clip_ratio/region_mean} (either).
     */
    public Map<String, Double> metrics(Result r, GroupBatch b) {
        Tensor mask = b.mask().to(torch.ScalarType.Bool);                                         // [B,T]
        Tensor a = b.advantages().unsqueeze(1);                                                   // [B,1]
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
