package org.jpo.loop;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.jpo.model.Transformer;

import static org.jpo.tensor.Tensors.s;

/** What happens to the weights between rounds, outside the optimizer: APO's momentum and the EMA reference. */
final class Updates {
    private Updates() {}

    /** APO (arXiv:2410.05951): θ ← θ_new + α·(θ_new − θ_old), in place on {@code policy}. */
    static void momentum(Transformer policy, Transformer old, double alpha) {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            for (var e : policy.parameters().entrySet()) {
                Tensor p = e.getValue(), o = old.parameters().get(e.getKey());
                p.add_(p.sub(o).mul(s(alpha)));
            }
        }
    }

    /** reference ← (1 − rate)·reference + rate·policy, in place on {@code reference}. */
    static void ema(Transformer reference, Transformer policy, double rate) {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            for (var e : reference.parameters().entrySet()) {
                e.getValue().mul_(s(1 - rate)).add_(policy.parameters().get(e.getKey()).mul(s(rate)));
            }
        }
    }
}
