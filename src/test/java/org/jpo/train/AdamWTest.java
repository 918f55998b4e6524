package org.jpo.train;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.jpo.tensor.Tensors.*;
import static org.junit.jupiter.api.Assertions.*;

class AdamWTest {
    static final double B1 = 0.8, B2 = 0.95, EPS = 1e-3, WD = 0.3;
    /** A learning rate per step, as a schedule gives them. */
    static final double[] LR = {0.1, 0.05, 0.2, 0.02, 0.1};
    static final double[] W0 = {0.5, -1.0, 2.0, 0.0, -0.25, 1.5}, B0 = {0.3, -0.7};
    /** Gradients per step for the 2×3 weight and the 2-vector bias: mixed signs and scales, some comparable to ε. */
    static final double[][] GW = {
            {0.2, -0.1, 0.0, 1e-3, -2.0, 0.5}, {-0.3, 0.4, 0.05, -2e-3, 1.0, 0.5}, {0.1, 0.1, -0.1, 0.0, 0.0, -1.0},
            {1.0, -0.5, 0.2, 5e-4, -0.3, 0.0}, {-0.2, 0.0, 0.3, 1e-3, 0.5, 2.0}};
    static final double[][] GB = {{0.5, -1e-3}, {-0.5, 2e-3}, {0.2, 0.0}, {0.0, -0.4}, {1.0, 1e-3}};

    /**
     * torch.optim.AdamW written out in double precision (Loshchilov &amp; Hutter, arXiv:1711.05101, Alg. 2 as
     * torch implements it): θ ← θ·(1 − lr·λ); m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
     * θ ← θ − lr·(m/(1−β₁ᵗ)) / (√v/√(1−β₂ᵗ) + ε). No decay when {@code decay} is false.
     */
    static double[] reference(double[] theta0, double[][] grads, boolean decay) {
        double[] p = theta0.clone(), m = new double[p.length], v = new double[p.length];
        for (int t = 1; t <= grads.length; t++) {
            double lr = LR[t - 1];
            for (int i = 0; i < p.length; i++) {
                double g = grads[t - 1][i];
                if (decay) p[i] *= 1 - lr * WD;
                m[i] = B1 * m[i] + (1 - B1) * g;
                v[i] = B2 * v[i] + (1 - B2) * g * g;
                double mHat = m[i] / (1 - Math.pow(B1, t)), denom = Math.sqrt(v[i]) / Math.sqrt(1 - Math.pow(B2, t)) + EPS;
                p[i] -= lr * mHat / denom;
            }
        }
        return p;
    }

    /** Five steps at changing rates on float64 parameters match the double-precision formula; the bias is not decayed. */
    @Test void matchesTheFormulaInDoublePrecision() {
        try (PointerScope scope = new PointerScope()) {
            Tensor w = doubles(W0, 2, 3).requires_grad_(true), b = doubles(B0, 2).requires_grad_(true);
            Map<String, Tensor> params = new LinkedHashMap<>();
            params.put("w", w);
            params.put("b", b);
            try (AdamW opt = new AdamW(params, B1, B2, EPS, WD)) {
                for (int t = 0; t < LR.length; t++) {
                    w.mutable_grad().put(doubles(GW[t], 2, 3));
                    b.mutable_grad().put(doubles(GB[t], 2));
                    opt.step(LR[t]);
                    opt.zeroGrad();
                    assertFalse(w.grad().defined(), "zeroGrad leaves no gradient");
                }
                assertEquals(LR.length, opt.steps());
            }
            double[] expectW = reference(W0, GW, true), expectB = reference(B0, GB, false);
            double dw = maxDiff(expectW, toDoubles(w)), db = maxDiff(expectB, toDoubles(b));
            System.out.printf("AdamW vs double-precision formula: max |Δ| weight %.1e, bias %.1e%n", dw, db);
            // one ulp at these magnitudes (≤ 2): the same operations in the same order, up to libm's pow
            assertTrue(dw < 5e-16, "weight: max |ours − formula| = " + dw);
            assertTrue(db < 5e-16, "bias: max |ours − formula| = " + db);
            // the parameters moved far from where they started, so a wrong term would show
            assertTrue(maxDiff(W0, expectW) > 0.1 && maxDiff(B0, expectB) > 0.1);
        }
    }

    /**
     * float32 against torch::optim::AdamW (which decays every parameter it is given: a 2-D one here), at torch's
     * default betas: the preset maps {@code betas()} onto the raw bytes of a {@code std::tuple<double, double>},
     * which libstdc++ lays out last element first, so writing β₁ at index 0 sets β₂. The other test covers
     * other betas.
     */
    @Test void matchesTorchAdamW() {
        try (PointerScope scope = new PointerScope()) {
            Tensor a = doubles(W0, 2, 3).to(torch.ScalarType.Float).requires_grad_(true);
            Tensor b = a.detach().clone().requires_grad_(true);
            var opts = new AdamWOptions(LR[0]);
            opts.weight_decay().put(WD);
            opts.eps().put(EPS);
            var theirs = new org.bytedeco.pytorch.AdamW(new TensorVector(b), opts);
            System.out.println("DEBUG betas " + opts.betas().get(0) + " " + opts.betas().get(1) + " lr " + opts.lr().get() + " eps " + opts.eps().get() + " wd " + opts.weight_decay().get());
            try (AdamW ours = new AdamW(Map.of("w", a), 0.9, 0.999, EPS, WD)) {
                for (int t = 0; t < LR.length; t++) {
                    Tensor g = doubles(GW[t], 2, 3).to(torch.ScalarType.Float);
                    a.mutable_grad().put(g.clone());
                    b.mutable_grad().put(g.clone());
                    ours.step(LR[t]);
                    setLearningRate(theirs, LR[t]);
                    theirs.step();
                    System.out.println("DEBUG step " + t + " lr " + theirs.param_groups().get(0).options().get_lr() + " diff " + item(a.sub(b).abs().max()));
                    ours.zeroGrad();
                }
            }
            double diff = item(a.sub(b).abs().max()), moved = maxDiff(W0, toDoubles(b));
            System.out.printf("AdamW vs torch::optim::AdamW (float32): max |Δ| %.1e after moving %.2f%n", diff, moved);
            assertTrue(moved > 0.1, "torch's AdamW did not move the parameter: " + moved);
            assertTrue(diff < 1e-7, "max |ours − torch| = " + diff);   // float32: about one ulp of values near 1
        }
    }

    private static void setLearningRate(org.bytedeco.pytorch.AdamW opt, double lr) {
        var groups = opt.param_groups();
        for (long i = 0; i < groups.size(); i++) groups.get(i).options().set_lr(lr);
    }

    private static double maxDiff(double[] x, double[] y) {
        double d = 0;
        for (int i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i] - y[i]));
        return d;
    }

    @Test void schedulesFollowTheHfFormulas() {
        var lin = new Schedule(Schedule.Kind.LINEAR, 1.0, 10, 110);
        assertEquals(0.0, lin.at(0));
        assertEquals(0.5, lin.at(5), 1e-12);
        assertEquals(1.0, lin.at(10), 1e-12);
        assertEquals(0.5, lin.at(60), 1e-12);
        var cos = new Schedule(Schedule.Kind.COSINE, 2.0, 0, 100);
        assertEquals(2.0, cos.at(0), 1e-12);
        assertEquals(1.0, cos.at(50), 1e-12);
        assertEquals(0.0, cos.at(100), 1e-12);
        assertEquals(3.0, new Schedule(Schedule.Kind.CONSTANT, 3.0, 5, 10).at(0));
        assertEquals(1.5, new Schedule(Schedule.Kind.CONSTANT_WITH_WARMUP, 3.0, 4, 10).at(2), 1e-12);
    }
}
