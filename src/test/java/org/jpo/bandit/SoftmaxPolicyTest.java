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
            assertEquals(loss, pi.train(new Sigmoid(beta), pairs, ref, Optional.empty(), new Optimizer.GradientDescent(lr), 1), 1e-12);
            assertArrayEquals(Probabilities.logNormalize(expected), pi.logProbs(), 1e-12);
        }
    }

    @Test void rejectsPairsOutsideTheActions() {
        try (SoftmaxPolicy pi = new SoftmaxPolicy(new double[] {0, 0, 0})) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> pi.train(new Sigmoid(1), Pairs.of(new int[] {3}, new int[] {0}), REF, Optional.empty(), new Optimizer.GradientDescent(1), 1));
            assertEquals("pair 0 (3 ≻ 0) is outside actions 0..2", e.getMessage());
        }
    }

    /** Every native object a training call makes is freed by its scopes, and θ by close(). */
    @Test void trainingLeavesNoNativeObjectsBehind() {
        Pairs pairs = Pairs.of(new int[] {0, 1, 2, 0}, new int[] {1, 2, 0, 2});
        Runnable run = () -> {
            try (SoftmaxPolicy pi = new SoftmaxPolicy(new double[][] {{0, 0, 0}, {1, 0, 0}})) {
                pi.train(new Sigmoid(1), java.util.List.of(pairs, pairs), new double[][] {REF, REF}, Optional.empty(),
                        new Optimizer.Adam(0.1), 20);
                pi.train(new Sigmoid(1), java.util.List.of(pairs, pairs), new double[][] {REF, REF}, Optional.empty(),
                        new Optimizer.GradientDescent(0.1), 20);
                pi.allLogProbs();
            }
        };
        run.run();
        long before = org.bytedeco.javacpp.Pointer.totalCount();
        for (int i = 0; i < 5; i++) run.run();
        assertEquals(before, org.bytedeco.javacpp.Pointer.totalCount());
    }

    @Test void mergedPairsKeepTheLossAndSumTheWeights() {
        Pairs p = new Pairs(new int[] {0, 1, 0, 2, 0}, new int[] {1, 2, 1, 0, 2}, new double[] {1, 2, 3, 4, 5});
        Pairs m = p.merged();
        assertArrayEquals(new int[] {0, 1, 2, 0}, m.chosen());
        assertArrayEquals(new int[] {1, 2, 0, 2}, m.rejected());
        assertArrayEquals(new double[] {4, 2, 4, 5}, m.weight(), 0);
        assertEquals(15, m.totalWeight(), 0);
    }

    /** Replicas trained in lockstep end where each would end alone (GD and Adam). */
    @Test void replicasTrainIndependently() {
        Pairs p0 = Pairs.of(new int[] {0, 1}, new int[] {2, 0});
        Pairs p1 = new Pairs(new int[] {2, 2, 1}, new int[] {1, 0, 0}, new double[] {1, 2, 0.5});
        double[] ref1 = Probabilities.log(new double[] {0.2, 0.2, 0.6});
        for (Optimizer opt : new Optimizer[] {new Optimizer.GradientDescent(0.7), new Optimizer.Adam(0.05)}) {
            try (SoftmaxPolicy both = new SoftmaxPolicy(new double[][] {{0, 1, 2}, {0.5, 0, -1}});
                 SoftmaxPolicy first = new SoftmaxPolicy(new double[] {0, 1, 2});
                 SoftmaxPolicy second = new SoftmaxPolicy(new double[] {0.5, 0, -1})) {
                double total = both.train(new Sigmoid(0.3), java.util.List.of(p0, p1), new double[][] {REF, ref1},
                        Optional.empty(), opt, 7);
                double l0 = first.train(new Sigmoid(0.3), p0, REF, Optional.empty(), opt, 7);
                double l1 = second.train(new Sigmoid(0.3), p1, ref1, Optional.empty(), opt, 7);
                assertEquals(l0 + l1, total, 1e-12);
                assertArrayEquals(first.logProbs(), both.allLogProbs()[0], 1e-12);
                assertArrayEquals(second.logProbs(), both.allLogProbs()[1], 1e-12);
                double[] start = Probabilities.logNormalize(new double[] {0, 1, 2});
                assertTrue(Math.abs(first.logProbs()[0] - start[0]) > 1e-2, "training moved the policy");
            }
        }
    }

    /** Adam's first step moves every logit with a nonzero gradient by lr·sign(g) (bias-corrected m/√v = ±1). */
    @Test void adamFirstStepMovesEachLogitByLr() {
        try (SoftmaxPolicy pi = new SoftmaxPolicy(new double[] {0, 0, 0})) {
            pi.train(new Sigmoid(1), Pairs.of(new int[] {0}, new int[] {1}), REF, Optional.empty(), new Optimizer.Adam(0.1), 1);
            assertArrayEquals(Probabilities.logNormalize(new double[] {0.1, -0.1, 0}), pi.logProbs(), 1e-6);
        }
    }
}
