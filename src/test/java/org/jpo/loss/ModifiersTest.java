package org.jpo.loss;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.jpo.loss.Fixtures.Pair;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.jpo.loss.Fixtures.*;
import static org.jpo.tensor.Tensors.*;
import static org.junit.jupiter.api.Assertions.*;

/** Weighted sums, WPO, LD-DPO, f-divergences, AOT's sorting and BCO's running mean, on hand cases. */
class ModifiersTest {
    @Test void weightedSumIsTheWeightedSumOfItsParts() {
        PreferenceLoss rpo = WeightedSum.of(List.of(new Sigmoid(BETA), new Sft()), List.of(1.0, 0.2));
        ReferencedLoss sum = assertInstanceOf(ReferencedSum.class, rpo);
        assertEquals("sigmoid+sft", sum.name());
        double[] dpo = values(HAND, l -> new Sigmoid(BETA).apply(l.batch()));
        double[] expected = new double[HAND.length];
        for (int i = 0; i < HAND.length; i++) {
            expected[i] = -logSigmoid(BETA * HAND[i].delta()) + 0.2 * (-HAND[i].piC() / HAND[i].lenC());
        }
        assertClose(expected, values(HAND, l -> sum.apply(l.batch())), 1e-9, "sigmoid + 0.2·sft");
        checkGradient(GENERIC, l -> sum.apply(l.batch()));
        checkNoReferenceGradient(GENERIC, l -> sum.apply(l.batch()));
        try (PointerScope scope = new PointerScope()) {   // rewards are the first part's: β·ρ
            LossResult r = sum.apply(leaves(HAND, false, false).batch());
            assertClose(new double[] {BETA * HAND[0].rhoC(), BETA * HAND[1].rhoC(), BETA * HAND[2].rhoC()},
                    toDoubles(r.chosenRewards()), 1e-12, "R⁺");
        }
        assertNotEquals(dpo[0], values(HAND, l -> sum.apply(l.batch()))[0]);
    }

    @Test void sumsOfReferenceFreeLossesStayReferenceFree() {
        PreferenceLoss s = WeightedSum.of(List.of(new Simpo(BETA, 0.3), new Sft()), List.of(0.5, 2.0));
        ReferenceFreeLoss free = assertInstanceOf(ReferenceFreeSum.class, s);
        double[] expected = new double[HAND.length];
        for (int i = 0; i < HAND.length; i++) {
            Pair p = HAND[i];
            expected[i] = 0.5 * -logSigmoid(BETA * (p.piC() / p.lenC() - p.piR() / p.lenR()) - 0.3) + 2.0 * (-p.piC() / p.lenC());
        }
        assertClose(expected, values(HAND, l -> free.apply(l.policy())), 1e-9, "0.5·simpo + 2·sft");
    }

    @Test void sumsRejectUnpairedPartsAndMismatchedWeights() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> WeightedSum.of(List.of(new Sigmoid(BETA), new Kto(0.1, 1, 1)), List.of(1.0, 1.0)));
        assertEquals("unpaired losses cannot be summed: sigmoid+kto", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> WeightedSum.of(List.of(new Sigmoid(BETA), new Sft()), List.of(1.0)));
        assertEquals("weights has 1 entries but there are 2 losses (sigmoid+sft)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> WeightedSum.of(List.of(new Sft()), List.of(-1.0)));
        assertEquals("weights must be finite and >= 0, got [-1.0]", e.getMessage());
    }

    @Test void wpoWeightsOnAHandCase() {
        double l2 = Math.log(2), l3 = Math.log(3), l4 = Math.log(4);
        double[] logits = {
                0, l2, l3, /**/ 0, 0, 0, /**/ 5, -3, 2,          // row 0: p(2) = 1/2, Σp² = 14/36; uniform; masked
                7, 1, 1, /**/ 0, l2, l3, /**/ l4, 0, 0,         // row 1: masked; p(0) = 1/6; p(0) = 2/3, Σp² = 1/2
        };
        try (PointerScope scope = new PointerScope()) {
            Tensor x = doubles(logits, 2, 3, 3).requires_grad_(true);
            Tensor targets = longs(new long[] {2, 1, -100, -100, 0, 0}, 2, 3);
            Tensor mask = doubles(new double[] {1, 1, 0, 0, 1, 1}, 2, 3);
            Tensor w = Wpo.weights(x, targets, mask);
            assertFalse(w.requires_grad(), "WPO weights carry gradient");
            // row 0: exp(½·(log(½ / (14/36)) + 0)) = √(9/7); row 1: exp(½·(log((1/6)/(14/36)) + log((2/3)/(1/2)))) = √(4/7)
            assertClose(new double[] {Math.sqrt(9.0 / 7), Math.sqrt(4.0 / 7)}, toDoubles(w), 1e-12, "w");
            LossResult r = new LossResult(vector(1, 2), vector(0.1, 0.2), vector(0.3, 0.4));
            LossResult weighted = Wpo.apply(r, vector(0.5, 2), vector(3, 0.25));
            assertClose(new double[] {1.5, 1.0}, toDoubles(weighted.losses()), 1e-7, "w⁺·w⁻·loss");
            assertClose(new double[] {0.1, 0.2}, toDoubles(weighted.chosenRewards()), 1e-7, "rewards unchanged");
        }
    }

    /**
     * WPO end to end on logits [2B,T,V] (chosen rows first, as the trainer concatenates them): the batch loss is
     * (1/B)·Σ w⁺w⁻·(−logσ(βδ)) and its gradient is the DPO gradient scaled by w⁺w⁻, the weights themselves
     * contributing none: d/dz[row,t,v] = (1/B)·w⁺w⁻·(∓β·σ(−βδ))·(1[v = target] − p[v]) on completion tokens.
     * Everything expected is computed here in doubles from the logits.
     */
    @Test void wpoScalesEachPairsLossAndGradientByItsWeights() {
        int b = 2, t = 3, v = 3;
        double[] z = {
                0.3, -1.2, 0.8, /**/ 1.5, 0.1, -0.4, /**/ -0.7, 0.0, 2.2,    // chosen 0
                0.0, 0.9, -0.3, /**/ 2.0, -1.0, 0.5, /**/ 0.4, 0.4, -1.6,    // chosen 1
                -0.2, 1.1, 0.6, /**/ 0.0, 0.0, 0.0, /**/ 1.3, -2.1, 0.2,     // rejected 0
                0.7, -0.5, 1.9, /**/ -1.4, 0.3, 0.8, /**/ 0.6, 1.7, -0.9,    // rejected 1
        };
        long[] target = {2, 0, 1, /**/ 1, 0, 2, /**/ 0, 2, 2, /**/ 1, 1, 0};
        double[] mask = {1, 1, 1, /**/ 0, 1, 1, /**/ 1, 1, 0, /**/ 1, 1, 1};
        double[] ref = {-3.1, -2.2, -2.9, -3.6};   // r⁺₀, r⁺₁, r⁻₀, r⁻₁
        double beta = 0.7;

        // by hand: softmax, π, w per row; then δ, loss and gradient per pair
        int rows = 2 * b;
        double[][][] p = new double[rows][t][v];
        double[] pi = new double[rows], w = new double[rows];
        for (int r = 0; r < rows; r++) {
            double wSum = 0, n = 0;
            for (int k = 0; k < t; k++) {
                double max = Double.NEGATIVE_INFINITY, norm = 0, sq = 0;
                for (int j = 0; j < v; j++) max = Math.max(max, z[(r * t + k) * v + j]);
                for (int j = 0; j < v; j++) norm += Math.exp(z[(r * t + k) * v + j] - max);
                for (int j = 0; j < v; j++) {
                    p[r][k][j] = Math.exp(z[(r * t + k) * v + j] - max) / norm;
                    sq += p[r][k][j] * p[r][k][j];
                }
                if (mask[r * t + k] == 0) continue;
                double logp = Math.log(p[r][k][(int) target[r * t + k]]);
                pi[r] += logp;
                wSum += logp - Math.log(sq);
                n++;
            }
            w[r] = Math.exp(wSum / n);
        }
        double expectedLoss = 0, plainLoss = 0;
        double[] grad = new double[z.length];
        for (int i = 0; i < b; i++) {
            double delta = (pi[i] - ref[i]) - (pi[b + i] - ref[b + i]), ww = w[i] * w[b + i];
            expectedLoss += ww * -logSigmoid(beta * delta) / b;
            plainLoss += -logSigmoid(beta * delta) / b;
            double dChosen = -beta * sigmoid(-beta * delta);   // dℓ/dπ⁺; dℓ/dπ⁻ is its negative
            for (int side = 0; side < 2; side++) {
                int r = side == 0 ? i : b + i;
                for (int k = 0; k < t; k++) {
                    if (mask[r * t + k] == 0) continue;
                    for (int j = 0; j < v; j++) {
                        double onehot = j == target[r * t + k] ? 1 : 0;
                        grad[(r * t + k) * v + j] = ww * (side == 0 ? dChosen : -dChosen) * (onehot - p[r][k][j]) / b;
                    }
                }
            }
        }

        try (PointerScope scope = new PointerScope()) {
            Tensor logits = doubles(z, rows, t, v).requires_grad_(true);                          // [2B,T,V]
            Tensor targets = longs(target, rows, t), m = doubles(mask, rows, t);                  // [2B,T]
            Tensor tokens = logits.log_softmax(-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1).mul(m);   // [2B,T]
            Tensor sums = sum(tokens, 1), len = sum(m, 1);                                       // [2B]
            PairLogps policy = new PairLogps(new Logps(sums.narrow(0, 0, b), len.narrow(0, 0, b)), new Logps(sums.narrow(0, b, b), len.narrow(0, b, b)));
            Tensor r = doubles(ref, rows);
            PairLogps reference = new PairLogps(new Logps(r.narrow(0, 0, b), len.narrow(0, 0, b)), new Logps(r.narrow(0, b, b), len.narrow(0, b, b)));
            Tensor weights = Wpo.weights(logits, targets, m);                                     // [2B]
            assertClose(w, toDoubles(weights), 5e-16, "w");
            LossResult plain = new Sigmoid(beta).apply(new PairBatch(policy, reference));
            LossResult weighted = Wpo.apply(plain, weights.narrow(0, 0, b), weights.narrow(0, b, b));
            Tensor loss = weighted.mean();
            loss.backward();
            // float64 throughout: within an ulp or two of the formula
            assertEquals(expectedLoss, item(loss), 5e-16, "WPO loss");
            assertClose(grad, toDoubles(logits.grad()), 1e-16, "d WPO loss / d logits");
            assertTrue(Math.abs(expectedLoss - plainLoss) > 0.1 * plainLoss, "weights too close to 1 to test: " + expectedLoss + " vs " + plainLoss);
        }
    }

    @Test void wpoRejectsACompletionWithoutTokens() {
        try (PointerScope scope = new PointerScope()) {
            Tensor x = doubles(new double[12], 2, 2, 3);
            var e = assertThrows(IllegalArgumentException.class, () -> Wpo.weights(x, longs(new long[] {0, 0, 0, 0}, 2, 2),
                    doubles(new double[] {1, 1, 0, 0}, 2, 2)));
            assertEquals("wpo: a completion has no tokens in mask", e.getMessage());
        }
    }

    @Test void ldDpoWeighsTokensBeyondTheSharedLengthByAlpha() {
        double ninf = Double.NEGATIVE_INFINITY;
        try (PointerScope scope = new PointerScope()) {
            Tensor ct = doubles(new double[] {-9, -1, -2, -3, -4, /**/ -1, -1, -7, -7, -7}, 2, 5).requires_grad_(true);
            Tensor cm = doubles(new double[] {0, 1, 1, 1, 1, /**/ 1, 1, 0, 0, 0}, 2, 5);
            Tensor rt = doubles(new double[] {-0.5, -0.25, ninf, ninf, /**/ -2, -3, -5, 0}, 2, 4).requires_grad_(true);
            Tensor rm = doubles(new double[] {1, 1, 0, 0, /**/ 1, 1, 1, 0}, 2, 4);
            PairLogps p = LdDpo.logps(ct, cm, rt, rm, 0.3);
            // row 0: ℓ = min(4, 2) = 2: chosen −1 −2 + 0.3·(−3 −4) = −5.1, rejected −0.75
            // row 1: ℓ = min(2, 3) = 2: chosen −2, rejected −2 −3 + 0.3·(−5) = −6.5
            assertClose(new double[] {-5.1, -2}, toDoubles(p.chosen().sum()), 1e-12, "chosen");
            assertClose(new double[] {-0.75, -6.5}, toDoubles(p.rejected().sum()), 1e-12, "rejected");
            assertClose(new double[] {4, 2}, toDoubles(p.chosen().length()), 0, "|y⁺|");
            assertClose(new double[] {2, 3}, toDoubles(p.rejected().length()), 0, "|y⁻|");
            p.chosen().sum().sum().add(p.rejected().sum().sum()).backward();
            assertClose(new double[] {0, 1, 1, 0.3, 0.3, 1, 1, 0, 0, 0}, toDoubles(ct.grad()), 1e-12, "d/d chosen tokens");
            assertClose(new double[] {1, 1, 0, 0, 1, 1, 0.3, 0}, toDoubles(rt.grad()), 1e-12, "d/d rejected tokens");
            PairLogps plain = LdDpo.logps(ct, cm, rt, rm, 1.0);
            assertClose(new double[] {-10, -2}, toDoubles(plain.chosen().sum()), 1e-12, "α = 1 is the plain sum");
            assertThrows(IllegalArgumentException.class, () -> LdDpo.logps(ct, cm, rt, rm, 1.5));
        }
    }

    /**
     * LD-DPO end to end: the sigmoid loss on LD-DPO log-probs of policy and reference is
     * −logσ(β·δ_α) with δ_α formed from Σ_{first ℓ} + α·Σ_{rest}, ℓ = min(|y⁺|, |y⁻|), and a policy token's
     * gradient is the DPO gradient times its weight (1 in the first ℓ, α after, 0 off the completion).
     */
    @Test void ldDpoChangesTheLossAndTheGradientByTheTokenWeights() {
        double alpha = 0.4, beta = 0.3;
        int b = 2, tc = 5, tr = 4;
        double[] ct = {-0.5, -1.0, -2.0, -0.25, -3.0, /**/ -9.0, -1.5, -0.5, -2.5, -1.0};
        double[] cm = {1, 1, 1, 1, 1, /**/ 0, 1, 1, 0, 0};                      // |y⁺| = 5, 2
        double[] rt = {-1.0, -0.75, -4.0, -9.0, /**/ -0.5, -2.0, -1.0, -3.0};
        double[] rm = {1, 1, 0, 0, /**/ 1, 1, 1, 1};                            // |y⁻| = 2, 4
        double[] refCt = {-0.6, -1.1, -1.0, -0.5, -2.0, /**/ 0, -1.0, -1.0, 0, 0};
        double[] refRt = {-0.9, -1.0, 0, 0, /**/ -1.0, -1.5, -0.5, -2.0};

        int[] shared = {2, 2};   // min(5, 2), min(2, 4)
        double[][] wc = weights(cm, b, tc, shared, alpha), wr = weights(rm, b, tr, shared, alpha);
        double expected = 0, plain = 0;
        double[] gc = new double[ct.length], gr = new double[rt.length];
        for (int i = 0; i < b; i++) {
            double delta = 0, deltaPlain = 0;
            for (int k = 0; k < tc; k++) {
                delta += wc[i][k] * (ct[i * tc + k] - refCt[i * tc + k]);
                deltaPlain += cm[i * tc + k] * (ct[i * tc + k] - refCt[i * tc + k]);
            }
            for (int k = 0; k < tr; k++) {
                delta -= wr[i][k] * (rt[i * tr + k] - refRt[i * tr + k]);
                deltaPlain -= rm[i * tr + k] * (rt[i * tr + k] - refRt[i * tr + k]);
            }
            expected += -logSigmoid(beta * delta) / b;
            plain += -logSigmoid(beta * deltaPlain) / b;
            double d = -beta * sigmoid(-beta * delta) / b;   // d loss / dπ⁺ of pair i
            for (int k = 0; k < tc; k++) gc[i * tc + k] = d * wc[i][k];
            for (int k = 0; k < tr; k++) gr[i * tr + k] = -d * wr[i][k];
        }
        try (PointerScope scope = new PointerScope()) {
            Tensor c = doubles(ct, b, tc).requires_grad_(true), r = doubles(rt, b, tr).requires_grad_(true);
            Tensor mc = doubles(cm, b, tc), mr = doubles(rm, b, tr);
            PairLogps policy = LdDpo.logps(c, mc, r, mr, alpha);
            PairLogps reference = LdDpo.logps(doubles(refCt, b, tc), mc, doubles(refRt, b, tr), mr, alpha);
            Tensor loss = new Sigmoid(beta).apply(new PairBatch(policy, reference)).mean();
            loss.backward();
            assertEquals(expected, item(loss), 5e-16, "LD-DPO loss");
            assertClose(gc, toDoubles(c.grad()), 1e-16, "d loss / d chosen token log-probs");
            assertClose(gr, toDoubles(r.grad()), 1e-16, "d loss / d rejected token log-probs");
            assertTrue(Math.abs(expected - plain) > 0.01, "α did not change the loss: " + expected + " vs " + plain);
            Tensor plainLoss = new Sigmoid(beta).apply(new PairBatch(LdDpo.logps(c, mc, r, mr, 1),
                    LdDpo.logps(doubles(refCt, b, tc), mc, doubles(refRt, b, tr), mr, 1))).mean();
            assertEquals(plain, item(plainLoss), 5e-16, "α = 1 is DPO");
        }
    }

    /** Per row, 1 on its first {@code shared[row]} completion tokens, α on later ones, 0 off the mask. */
    private static double[][] weights(double[] mask, int rows, int t, int[] shared, double alpha) {
        double[][] w = new double[rows][t];
        for (int i = 0; i < rows; i++) {
            int seen = 0;
            for (int k = 0; k < t; k++) {
                if (mask[i * t + k] == 0) continue;
                w[i][k] = ++seen <= shared[i] ? 1 : alpha;
            }
        }
        return w;
    }

    @Test void fDivergenceTransforms() {
        double[] rho = {-1.5, 0, 0.7, 2};
        try (PointerScope scope = new PointerScope()) {
            Tensor t = doubles(rho, rho.length);
            for (int i = 0; i < rho.length; i++) {
                double r = rho[i];
                assertEquals(r, toDoubles(FDivergence.REVERSE_KL.apply(t))[i], 1e-12, "reverse_kl");
                assertEquals(-Math.exp(-r), toDoubles(FDivergence.FORWARD_KL.apply(t))[i], 1e-12, "forward_kl");
                assertEquals(Math.log(1 / (1 + Math.exp(-r))), toDoubles(FDivergence.JS_DIVERGENCE.apply(t))[i], 1e-12, "js");
                assertEquals((Math.exp(-0.5 * r) - 1) / -0.5, toDoubles(FDivergence.alpha(0.5).apply(t))[i], 1e-12, "α = 0.5");
                assertEquals((Math.exp(2 * r) - 1) / 2, toDoubles(FDivergence.alpha(3).apply(t))[i], 1e-12, "α = 3");
                assertEquals(1 - Math.exp(-r), toDoubles(FDivergence.alpha(0).apply(t))[i], 1e-12, "α = 0 is forward KL + 1");
            }
            double capped = toDoubles(FDivergence.FORWARD_KL.apply(doubles(new double[] {-1000}, 1)))[0];
            assertEquals(-Math.exp(80), capped, 1e-6 * Math.exp(80), "exponent capped at 80");
        }
        var e = assertThrows(IllegalArgumentException.class, () -> FDivergence.alpha(1));
        assertTrue(e.getMessage().contains("got 1.0"), e.getMessage());
    }

    @Test void aotSortsMarginsBeforePairingThem() {
        // π⁺−π⁻ = [3, −1, 1] → sorted [−1, 1, 3]; r⁺−r⁻ = [0, 2, −2] → sorted [−2, 0, 2]; d = [1, 1, 1]
        // ρ⁺ = [1, −4, 2] → sorted [−4, 1, 2]; ρ⁻ = [−2, −1, −1] → sorted [−2, −1, −1]; d = [−2, 2, 3]
        Pair[] p = {new Pair(-1, -4, -2, -2, 1, 1), new Pair(-5, -4, -1, -3, 1, 1), new Pair(-2, -3, -4, -2, 1, 1)};
        double one = Math.log1p(Math.exp(-1));
        assertClose(new double[] {one, one, one}, values(p, l -> new Aot(1, 0).apply(l.batch())), 1e-12, "aot");
        assertClose(new double[] {Math.log1p(Math.exp(2)), Math.log1p(Math.exp(-2)), Math.log1p(Math.exp(-3))},
                values(p, l -> new AotUnpaired(1, 0).apply(l.batch())), 1e-12, "aot_unpaired");
    }

    @Test void bcoRunningMeanAveragesEveryReward() {
        try (PointerScope scope = new PointerScope()) {
            BcoPair.RunningMean m = BcoPair.RunningMean.EMPTY
                    .update(new LossResult(vector(0, 0), vector(1, 2), vector(3, 4)));
            assertEquals(2.5, m.mean(), 1e-12);
            assertEquals(4, m.count());
            m = m.update(new LossResult(vector(0), vector(-5), vector(-7)));
            assertEquals((10.0 - 12) / 6, m.mean(), 1e-12);
            assertEquals(new BcoPair(0.1, m.mean()), new BcoPair(0.1, 0).withMean(m.mean()));
        }
    }
}
