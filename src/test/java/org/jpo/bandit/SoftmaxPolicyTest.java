package org.jpo.bandit;

import org.bytedeco.javacpp.PointerScope;
import org.jpo.loss.PairBatch;
import org.jpo.loss.Sigmoid;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.jpo.tensor.Tensors.*;
import static org.junit.jupiter.api.Assertions.*;

class SoftmaxPolicyTest {
    private static final double[] REF = Probabilities.log(new double[] {0.5, 0.3, 0.2});

    @Test void batchHoldsLogSoftmaxOfLength1Completions() {
        try (PointerScope scope = new PointerScope(); SoftmaxPolicy pi = new SoftmaxPolicy(new double[] {1, 2, 0})) {
            PairBatch b = pi.batch(Pairs.of(new int[] {1, 0}, new int[] {2, 2}), REF, Optional.of(new double[] {.1, .2, .3}));
            double lse = Math.log(Math.exp(1) + Math.exp(2) + 1);
            assertArrayEquals(new double[] {2 - lse, 1 - lse}, toDoubles(b.policy().chosen().sum()), 1e-12);
            assertArrayEquals(new double[] {-lse, -lse}, toDoubles(b.policy().rejected().sum()), 1e-12);
            assertArrayEquals(new double[] {1, 1}, toDoubles(b.policy().chosen().length()), 0);
            assertArrayEquals(new double[] {Math.log(.3), Math.log(.5)}, toDoubles(b.reference().chosen().sum()), 1e-12);
            assertArrayEquals(new double[] {.2, .1}, toDoubles(b.winProbs().orElseThrow().chosen()), 0);
            assertArrayEquals(new double[] {.3, .3}, toDoubles(b.winProbs().orElseThrow().rejected()), 0);
        }
    }

    /** dL/dθ_c = −β·σ(−βδ)·w/Σw and dL/dθ_r = +β·σ(−βδ)·w/Σw: the normalizer of log_softmax cancels in δ. */
    @Test void gradientStepMatchesHandDerivedDpoGradient() {
        double beta = 0.5, lr = 0.1;
        double[] theta = {0.2, -0.4, 0.7};
        Pairs pairs = new Pairs(new int[] {0, 2}, new int[] {1, 0}, new double[] {1, 3});
        double[] expected = theta.clone();
        double[] ref = REF;
        double[] d = {(theta[0] - ref[0]) - (theta[1] - ref[1]), (theta[2] - ref[2]) - (theta[0] - ref[0])};
        double[] g = new double[3];
        g[0] += -beta * Probabilities.sigmoid(-beta * d[0]) * 1 / 4;
        g[1] += beta * Probabilities.sigmoid(-beta * d[0]) * 1 / 4;
        g[2] += -beta * Probabilities.sigmoid(-beta * d[1]) * 3 / 4;
        g[0] += beta * Probabilities.sigmoid(-beta * d[1]) * 3 / 4;
        double loss = (-Math.log(Probabilities.sigmoid(beta * d[0])) - 3 * Math.log(Probabilities.sigmoid(beta * d[1]))) / 4;
        for (int y = 0; y < 3; y++) expected[y] -= lr * g[y];
        try (SoftmaxPolicy pi = new SoftmaxPolicy(theta)) {
            assertEquals(loss, pi.train(new Sigmoid(beta), pairs, ref, Optional.empty(), 1, lr), 1e-12);
            assertArrayEquals(Probabilities.logNormalize(expected), pi.logProbs(), 1e-12);
        }
    }

    @Test void rejectsPairsOutsideTheActions() {
        try (SoftmaxPolicy pi = new SoftmaxPolicy(new double[] {0, 0, 0})) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> pi.train(new Sigmoid(1), Pairs.of(new int[] {3}, new int[] {0}), REF, Optional.empty(), 1, 1));
            assertEquals("pair 0 (3 ≻ 0) is outside actions 0..2", e.getMessage());
        }
    }

    @Test void speed() {
        int n = 2000;
        int[] c = new int[n], r = new int[n];
        for (int i = 0; i < n; i++) { c[i] = i % 3; r[i] = (i + 1) % 3; }
        try (SoftmaxPolicy pi = new SoftmaxPolicy(new double[] {0, 0, 0})) {
            Pairs p = Pairs.of(c, r);
            pi.train(new Sigmoid(1), p, REF, Optional.empty(), 200, 0.1);
            long t0 = System.nanoTime();
            pi.train(new Sigmoid(1), p, REF, Optional.empty(), 2000, 0.1);
            System.out.println("step us (B=" + n + "): " + (System.nanoTime() - t0) / 2000 / 1000.0);
            Pairs small = Pairs.of(new int[] {0, 1, 2}, new int[] {1, 2, 0});
            t0 = System.nanoTime();
            pi.train(new Sigmoid(1), small, REF, Optional.empty(), 2000, 0.1);
            System.out.println("step us (B=3): " + (System.nanoTime() - t0) / 2000 / 1000.0);
        }
    }
}
