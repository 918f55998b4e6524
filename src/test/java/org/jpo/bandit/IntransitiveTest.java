package org.jpo.bandit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class IntransitiveTest {
    private static final Intransitive.Result RESULT = Intransitive.run();
    private static final double[] UNIFORM = {1.0 / 3, 1.0 / 3, 1.0 / 3};

    @Test void nashHasZeroMarginsAndUniformIsExploitableByY1() {
        for (double m : Intransitive.margins(Intransitive.NASH)) assertEquals(0, m, 1e-15);
        // y1 against uniform: (0.5 + 0.9 + 0.3)/3 − ½ = 1/15
        assertEquals(1.0 / 15, Intransitive.exploitability(UNIFORM), 1e-15);
    }

    /** One SPPO iteration realizes π_1 ∝ π_0·exp(η·P(y≻π_0)) up to the loss's ½-centred normalizer. */
    @Test void firstSppoIterateIsTheMultiplicativeWeightsUpdate() {
        double[] w = Intransitive.winRates(UNIFORM);
        double eta = Intransitive.SPPO_ETA;
        double[] mw = Probabilities.normalize(new double[] {Math.exp(eta * w[0]), Math.exp(eta * w[1]), Math.exp(eta * w[2])});
        assertArrayEquals(mw, RESULT.sppo()[0], 1e-4);
    }

    @Test void sppoAverageAndExtragradientLastIterateReachTheNash() {
        double[] avg = RESULT.exploitability(RESULT.sppoAverage());
        double[] eg = RESULT.exploitability(RESULT.extragradient());
        assertTrue(avg[avg.length - 1] < 0.01, "SPPO average " + avg[avg.length - 1]);
        assertTrue(eg[eg.length - 1] < 0.01, "extragradient " + eg[eg.length - 1]);
        assertArrayEquals(Intransitive.NASH, RESULT.extragradient()[eg.length - 1], 2e-3);
        double[] last = RESULT.exploitability(RESULT.sppo());
        assertTrue(last[last.length - 1] > 0.05, "SPPO's last iterate keeps cycling: " + last[last.length - 1]);
    }

    /**
     * BT scores by hand: with s2 = s3 the likelihood equations give σ(s1 − s2) = 0.6, so s1 − s2 = ln 1.5;
     * DPO then converges to π ∝ exp(s/0.1) = (1.5¹⁰, 1, 1)/Z, exploitable by y3.
     */
    @Test void bradleyTerryThenDpoConcentratesOnY1() {
        double d = Math.log(1.5);
        assertArrayEquals(new double[] {2 * d / 3, -d / 3, -d / 3}, RESULT.btDpo().scores(), 1e-6);
        double top = Math.pow(1.5, 10), z = top + 2;
        double[][] it = RESULT.btDpo().iterates();
        assertArrayEquals(new double[] {top / z, 1 / z, 1 / z}, it[it.length - 1], 1e-4);
        double expected = 0.2 * top / z - 0.3 / z;   // y3's margin: (0.7 − ½)·π1 + (0.2 − ½)·π2
        assertEquals(expected, Intransitive.exploitability(it[it.length - 1]), 1e-4);
        assertTrue(expected >= 0.15);
    }

    @Test void everyCheckPasses() {
        assertTrue(RESULT.passed(), RESULT.claims().toString());
        assertEquals(Intransitive.ITERATIONS, RESULT.table().rows().size());
        assertEquals(4, Intransitive.Result.belowSince(new double[] {0.5, 0.005, 0.02, 0.009, 0.001}));
    }
}
