package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.jpo.tensor.Tensors.s;
import static org.jpo.tensor.Tensors.sum;

/** The per-step loss metrics, under the names TRL logs them, computed once from a loss's output. */
public final class Metrics {
    private Metrics() {}

    /**
     * {@code loss} (mean), {@code rewards/chosen} (mean R⁺), {@code rewards/rejected}, {@code rewards/margins}
     * (mean R⁺ − R⁻), {@code rewards/accuracies} (fraction with R⁺ &gt; R⁻), {@code logps/chosen} (mean π⁺),
     * {@code logps/rejected}, in that order.
     */
    public static Map<String, Double> of(LossResult r, PairLogps policy) {
        Tensor rc = r.chosenRewards().detach();                                                   // [B]
        Tensor rr = r.rejectedRewards().detach();                                                 // [B]
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", r.losses().detach().mean().item_double());
        m.put("rewards/chosen", rc.mean().item_double());
        m.put("rewards/rejected", rr.mean().item_double());
        m.put("rewards/margins", rc.sub(rr).mean().item_double());
        m.put("rewards/accuracies", rc.gt(rr).to(torch.ScalarType.Double).mean().item_double());
        m.put("logps/chosen", policy.chosen().sum().detach().mean().item_double());
        m.put("logps/rejected", policy.rejected().sum().detach().mean().item_double());
        return m;
    }

    /**
     * For unpaired losses: {@code loss}; {@code rewards/chosen} and {@code logps/chosen} as means over the
     * desirable examples, {@code rewards/rejected} and {@code logps/rejected} over the undesirable ones
     * (NaN when the batch has none), {@code rewards/margins} their difference, and {@code kl}, the batch
     * estimate max(0, KL̂) of the mismatched completions as KTO uses it (NaN without any).
     */
    public static Map<String, Double> of(LossResult r, UnpairedBatch b) {
        Tensor good = b.desirable().to(torch.ScalarType.Bool);                                    // [B]
        Tensor bad = good.logical_not();                                                          // [B]
        double chosen = maskedMean(r.chosenRewards(), good), rejected = maskedMean(r.rejectedRewards(), bad);
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", r.losses().detach().mean().item_double());
        m.put("rewards/chosen", chosen);
        m.put("rewards/rejected", rejected);
        m.put("rewards/margins", chosen - rejected);
        m.put("logps/chosen", maskedMean(b.policy().sum(), good));
        m.put("logps/rejected", maskedMean(b.policy().sum(), bad));
        m.put("kl", b.klPolicy().batchSize() == 0 ? Double.NaN : Math.max(0, Kto.klEstimate(b).item_double()));
        return m;
    }

    /**
     * For listwise losses, per list: {@code rewards/chosen} the mean reward s (the loss's per-completion score) of the
     * list's top tier (its highest ψ, ties included), {@code rewards/rejected} of its bottom tier, both then averaged over
     * lists, {@code rewards/margins} their difference; {@code rewards/accuracies} the share of the batch's strictly ordered
     * pairs (ψ_i &gt; ψ_j) that s orders the same way (s_i &gt; s_j; at K = 2, DPO's); {@code logps/chosen} and
     * {@code logps/rejected} the tiers' mean π; {@code list_size} the mean K; {@code frac_reward_zero_std} the share of
     * lists whose ψ all tie (TRL's name for GRPO's groups: such a list orders nothing, and its loss is 0).
     */
    public static Map<String, Double> of(ListBatch.Result r, ListBatch b) {
        Tensor valid = b.mask().gt(s(0));                                                         // [B,K] bool
        Tensor psi = b.scores().detach();                                                         // [B,K]
        Tensor hi = psi.masked_fill(valid.logical_not(), s(Double.NEGATIVE_INFINITY)).amax(new long[] {1}, true);    // [B,1]
        Tensor lo = psi.masked_fill(valid.logical_not(), s(Double.POSITIVE_INFINITY)).amin(new long[] {1}, true);    // [B,1]
        Tensor top = psi.eq(hi).logical_and(valid), bottom = psi.eq(lo).logical_and(valid);     // [B,K]
        Tensor sc = r.rewards().detach().to(torch.ScalarType.Double);                             // [B,K]
        Tensor pi = b.policy().detach().to(torch.ScalarType.Double);                              // [B,K]
        Tensor pairs = psi.unsqueeze(2).gt(psi.unsqueeze(1))
                .logical_and(valid.unsqueeze(2)).logical_and(valid.unsqueeze(1));                 // [B,K,K] ψ_i > ψ_j
        Tensor agree = sc.unsqueeze(2).gt(sc.unsqueeze(1)).logical_and(pairs);                    // [B,K,K]
        double chosen = tierMean(sc, top), rejected = tierMean(sc, bottom), ordered = pairs.sum().item_double();
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", r.losses().detach().mean().item_double());
        m.put("rewards/chosen", chosen);
        m.put("rewards/rejected", rejected);
        m.put("rewards/margins", chosen - rejected);
        m.put("rewards/accuracies", ordered == 0 ? Double.NaN : agree.sum().item_double() / ordered);
        m.put("logps/chosen", tierMean(pi, top));
        m.put("logps/rejected", tierMean(pi, bottom));
        m.put("list_size", b.mask().sum().item_double() / b.batchSize());
        m.put("frac_reward_zero_std", hi.eq(lo).to(torch.ScalarType.Double).mean().item_double());
        return m;
    }

    /** The mean over lists of each list's mean of {@code x} [B,K] over {@code tier} [B,K] (bool, non-empty per list). */
    private static double tierMean(Tensor x, Tensor tier) {
        Tensor w = tier.to(torch.ScalarType.Double);                                              // [B,K]
        return sum(x.mul(w), 1).div(sum(w, 1)).mean().item_double();
    }

    private static double maskedMean(Tensor x, Tensor mask) {
        Tensor w = mask.to(torch.ScalarType.Double);                                              // [B]
        double n = w.sum().item_double();
        return n == 0 ? Double.NaN : x.detach().to(torch.ScalarType.Double).mul(w).sum().item_double() / n;
    }
}
