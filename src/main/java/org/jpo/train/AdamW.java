package org.jpo.train;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.jpo.tensor.Tensors.*;

/**
 * AdamW with decoupled weight decay (Loshchilov &amp; Hutter, arXiv:1711.05101), step for step the update of
 * {@code torch.optim.AdamW}. Written here rather than taken from torch::optim so that its state is a set of
 * named tensors that checkpoints and resumes bit for bit. Weight decay skips 1-D parameters (norm gains and
 * biases), as nanoGPT and the HF Trainer do.
 *
 * <p>Owns its moment tensors; {@link #close()} frees them.
 */
public final class AdamW implements AutoCloseable {
    private final LinkedHashMap<String, Tensor> params;
    private final LinkedHashMap<String, Tensor> m = new LinkedHashMap<>(), v = new LinkedHashMap<>();
    private final double beta1, beta2, eps, weightDecay;
    private long step;

    public AdamW(Map<String, Tensor> params, double beta1, double beta2, double eps, double weightDecay) {
        this.params = new LinkedHashMap<>(params);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        try (PointerScope scope = new PointerScope()) {
            for (var e : this.params.entrySet()) {
                m.put(e.getKey(), keep(torch.zeros_like(e.getValue())));
                v.put(e.getKey(), keep(torch.zeros_like(e.getValue())));
            }
        }
    }

    /** Steps taken so far. */
    public long steps() { return step; }

    /** One update of every parameter that has a gradient, at learning rate {@code lr}. */
    public void step(double lr) {
        step++;
        double bc1 = 1 - Math.pow(beta1, step), bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            for (var e : params.entrySet()) {
                Tensor p = e.getValue(), grad = p.grad();
                if (!grad.defined()) continue;
                if (weightDecay != 0 && p.dim() >= 2) p.mul_(s(1 - lr * weightDecay));
                Tensor mt = m.get(e.getKey()), vt = v.get(e.getKey());
                mt.lerp_(grad, s(1 - beta1));
                vt.mul_(s(beta2)).addcmul_(grad, grad, s(1 - beta2));
                Tensor denom = vt.sqrt().div_(s(bc2Sqrt)).add_(s(eps));
                p.addcdiv_(mt, denom, s(-lr / bc1));
            }
        }
    }

    /** Sets every gradient to undefined (torch's set_to_none). */
    public void zeroGrad() {
        try (PointerScope scope = new PointerScope()) {
            for (Tensor p : params.values()) p.mutable_grad().put(new Tensor());
        }
    }

    /** The state as named tensors ("exp_avg.NAME", "exp_avg_sq.NAME") plus the step count, for checkpoints. */
    public Map<String, Tensor> state() {
        LinkedHashMap<String, Tensor> s = new LinkedHashMap<>();
        m.forEach((k, t) -> s.put("exp_avg." + k, t));
        v.forEach((k, t) -> s.put("exp_avg_sq." + k, t));
        return s;
    }

    /** Restores moments and step count saved by {@link #state()}. */
    public void load(Map<String, Tensor> state, long steps) {
        try (NoGradGuard g = new NoGradGuard()) {
            for (String k : params.keySet()) {
                Tensor em = state.get("exp_avg." + k), ev = state.get("exp_avg_sq." + k);
                if (em == null || ev == null) throw new IllegalArgumentException("optimizer state lacks " + k);
                m.get(k).copy_(em);
                v.get(k).copy_(ev);
            }
        }
        this.step = steps;
    }

    @Override public void close() {
        m.values().forEach(Tensor::close);
        v.values().forEach(Tensor::close);
        m.clear();
        v.clear();
    }
}
