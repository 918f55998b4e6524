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
