package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.jpo.tensor.Tensors.checkShape;
import static org.jpo.tensor.Tensors.s;

/**
 * The loss of a general preference model ({@code jpo train} with {@code method: preference}): the cross-entropy of
 * its P(y⁺ ≻ y⁻ | x) = σ(d), d = g(x, y⁺, y⁻) − g(x, y⁻, y⁺), against the pair's label p — 1 for a (chosen, rejected)
 * row, or the row's {@code preference}:
 *
 * <pre>ℓ = −p·logσ(d) − (1 − p)·logσ(−d)</pre>
 *
 * Each pair counts in both orders: (y⁺, y⁻) with label p and (y⁻, y⁺) with label 1 − p. The logit of the swapped
 * order is −d, so its term −(1 − p)·logσ(−d) − p·logσ(d) is the same ℓ: one term per pair is the loss of both
 * orders. With p = 1 it is {@link BradleyTerry}'s −logσ(r⁺ − r⁻) with r⁺ = g(x, y⁺, y⁻) and r⁻ = g(x, y⁻, y⁺) —
 * Bradley–Terry over ordered pairs rather than over completions, which is what lets it fit a cycle (GPM,
 * arXiv:2410.02197).
 */
public final class PairwisePreference {
    private PairwisePreference() {}

    /**
     * @param logits d [B], with gradient
     * @param labels p [B] in [0, 1] (data: never differentiated)
     * @return ℓ [B]
     */
    public static Tensor losses(Tensor logits, Tensor labels) {
        checkShape(logits, "preference logits", -1);
        checkShape(labels, "preference labels", logits.size(0));
        Tensor p = labels.detach();                                                               // [B]
        Tensor asLabelled = torch.logsigmoid(logits).mul(p);                                      // [B] p·logσ(d)
        Tensor swapped = torch.logsigmoid(logits.neg()).mul(p.neg().add(s(1)));                   // [B] (1 − p)·logσ(−d)
        return asLabelled.add(swapped).neg();                                                     // [B]
    }

    /**
     * {@code loss} (mean ℓ), {@code accuracy} (the share of pairs whose sign of d is the sign of p − ½: with p = 1,
     * P(chosen ≻ rejected) &gt; ½, ties wrong) and {@code margin} (mean d), TRL RewardTrainer's names.
     */
    public static Map<String, Double> metrics(Tensor logits, Tensor labels, Tensor losses) {
        Tensor d = logits.detach();                                                               // [B]
        Tensor side = labels.detach().sub(s(0.5)).sign();                                         // [B]
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", losses.detach().mean().item_double());
        m.put("accuracy", d.sign().eq(side).to(torch.ScalarType.Double).mean().item_double());
        m.put("margin", d.mean().item_double());
        return m;
    }
}
