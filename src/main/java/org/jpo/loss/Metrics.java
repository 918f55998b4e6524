package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.LinkedHashMap;
import java.util.Map;

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

    private static double maskedMean(Tensor x, Tensor mask) {
        Tensor w = mask.to(torch.ScalarType.Double);                                              // [B]
        double n = w.sum().item_double();
        return n == 0 ? Double.NaN : x.detach().to(torch.ScalarType.Double).mul(w).sum().item_double() / n;
    }
}
