package org.jpo.loss;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.jpo.tensor.Tensors.*;
import static org.junit.jupiter.api.Assertions.*;

/** The preference model's loss by hand: the cross-entropy of σ(d), one term for both orders, and its metrics. */
class PairwisePreferenceTest {
    static final double[] D = {0.0, 1.0, -2.0, 0.5, 3.0};
    static final double[] P = {1.0, 1.0, 1.0, 0.3, 0.5};

    static double logSigmoid(double x) { return -Math.log1p(Math.exp(-x)); }

    static double[] losses(double[] d, double[] p) {
        try (PointerScope scope = new PointerScope()) {
            return toDoubles(PairwisePreference.losses(doubles(d, d.length), doubles(p, p.length)));
        }
    }

    @Test void crossEntropyOfTheLabel() {
        double[] got = losses(D, P);
        for (int i = 0; i < D.length; i++) {
            assertEquals(-P[i] * logSigmoid(D[i]) - (1 - P[i]) * logSigmoid(-D[i]), got[i], 1e-12, "pair " + i);
        }
        assertEquals(Math.log(2), got[0], 1e-12);                       // d = 0 with label 1: ln 2
        assertEquals(Math.log1p(Math.exp(-1)), got[1], 1e-12);          // label 1: Bradley–Terry's −logσ(d)
    }

    /** (y⁻, y⁺) with label 1 − p has logit −d: the same term, so each pair's one term is its loss in both orders. */
    @Test void theSwappedOrderIsTheSameTerm() {
        double[] negD = new double[D.length], oneMinusP = new double[P.length];
        for (int i = 0; i < D.length; i++) {
            negD[i] = -D[i];
            oneMinusP[i] = 1 - P[i];
        }
        assertArrayEquals(losses(D, P), losses(negD, oneMinusP), 1e-12);
    }

    @Test void metricsCountTheSideOfTheLabel() {
        try (PointerScope scope = new PointerScope()) {
            Tensor d = doubles(D, D.length), p = doubles(P, P.length);
            Map<String, Double> m = PairwisePreference.metrics(d, p, PairwisePreference.losses(d, p));
            // only d = 1 (p = 1) is on its label's side: d = 0 with p = 1 is a tie, −2 the wrong side, 0.5 with p = 0.3 too, and
            // 3 with p = ½ (only d = 0 agrees with ½): 1 of 5
            assertEquals(0.2, m.get("accuracy"), 1e-12);
            assertEquals((0 + 1 - 2 + 0.5 + 3) / 5.0, m.get("margin"), 1e-12);
            assertEquals(java.util.Arrays.stream(losses(D, P)).average().orElseThrow(), m.get("loss"), 1e-12);
        }
    }
}
