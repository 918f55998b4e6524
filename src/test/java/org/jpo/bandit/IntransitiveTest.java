package org.jpo.bandit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class IntransitiveTest {
    private static final Intransitive.Result RESULT = Intransitive.run();
    private static final double[] UNIFORM = {1.0 / 3, 1.0 / 3, 1.0 / 3};
    /** The game and its von Neumann winner as spec/losses.md states them, written out here, not read from the code. */
    private static final double P12 = 0.9, P23 = 0.8, P31 = 0.7;
    private static final double[] NASH = {1.0 / 3, 2.0 / 9, 4.0 / 9};

    /** Σ_j (P(i≻j) − ½)·π_j for every i, from the three numbers of the spec. */
    private static double[] marginsByDefinition(double[] pi) {
        return new double[] {
                (P12 - 0.5) * pi[1] + (0.5 - P31) * pi[2],
                (0.5 - P12) * pi[0] + (P23 - 0.5) * pi[2],
                (P31 - 0.5) * pi[0] + (0.5 - P23) * pi[1]};
    }

    private static double exploitabilityByDefinition(double[] pi) {
        double[] m = marginsByDefinition(pi);
        return Math.max(m[0], Math.max(m[1], m[2]));
    }

    @Test void nashHasZeroMarginsAndUniformIsExploitableByY1() {
        assertArrayEquals(NASH, Intransitive.NASH, 0);
        for (double m : Intransitive.margins(NASH)) assertEquals(0, m, 1e-15);
        // y1 against uniform: (0.5 + 0.9 + 0.3)/3 − ½ = 1/15
        assertEquals(1.0 / 15, Intransitive.exploitability(UNIFORM), 1e-15);
    }

    /** The code's margins and exploitability agree with the definition on every policy the three methods visit. */
    @Test void exploitabilityIsTheDefinitionOnEveryIterate() {
        for (double[][] run : new double[][][] {RESULT.sppo(), RESULT.sppoAverage(), RESULT.extragradient(), RESULT.btDpo().iterates()}) {
            for (double[] pi : run) {
                assertArrayEquals(marginsByDefinition(pi), Intransitive.margins(pi), 1e-15);
                assertEquals(exploitabilityByDefinition(pi), Intransitive.exploitability(pi), 1e-15);
            }
        }
    }

    /**
     * One SPPO iteration realizes π_1 ∝ π_0·exp(η·P(y≻π_0)) up to the loss's ½-centred normalizer; 20 inner
     * gradient steps get within 1.1e-5 of it (measured).
     */
    @Test void firstSppoIterateIsTheMultiplicativeWeightsUpdate() {
        double[] w = marginsByDefinition(UNIFORM);   // P(y≻π_0) − ½: the ½ cancels in the normalization
        double eta = 0.75;
        double[] mw = Probabilities.normalize(new double[] {Math.exp(eta * w[0]), Math.exp(eta * w[1]), Math.exp(eta * w[2])});
        assertArrayEquals(mw, RESULT.sppo()[0], 2e-5);
    }

    /** Measured: extragradient's last iterate is 5.7e-5 from the Nash (exploitability 2.8e-5), SPPO's average 0.0087. */
    @Test void sppoAverageAndExtragradientLastIterateReachTheNash() {
        double[] avg = RESULT.sppoAverage()[Intransitive.ITERATIONS - 1];
        double[] eg = RESULT.extragradient()[Intransitive.ITERATIONS - 1];
        assertTrue(exploitabilityByDefinition(avg) < 0.01, "SPPO average " + exploitabilityByDefinition(avg));
        assertArrayEquals(NASH, eg, 1e-4);
        assertTrue(exploitabilityByDefinition(eg) < 1e-4, "extragradient " + exploitabilityByDefinition(eg));
        double last = exploitabilityByDefinition(RESULT.sppo()[Intransitive.ITERATIONS - 1]);
        assertTrue(last > 0.05, "SPPO's last iterate keeps cycling: " + last);
    }

    /**
     * BT scores by hand: wins are 1.2, 0.9, 0.9, so s2 = s3 and the likelihood equations give σ(s1 − s2) = 0.6,
     * s1 − s2 = ln 1.5; DPO then converges to π ∝ exp(s/0.1) = (1.5¹⁰, 1, 1)/Z, exploitable by y3 with margin
     * 0.2·π1 − 0.3·π2 = 0.18827. The runs reach both to rounding (measured: 1.4e-16 and 7e-17).
     */
    @Test void bradleyTerryThenDpoConcentratesOnY1() {
        double d = Math.log(1.5);
        assertArrayEquals(new double[] {2 * d / 3, -d / 3, -d / 3}, RESULT.btDpo().scores(), 1e-12);
        double top = Math.pow(1.5, 10), z = top + 2;
        double[] pi = RESULT.btDpo().iterates()[Intransitive.ITERATIONS - 1];
        assertArrayEquals(new double[] {top / z, 1 / z, 1 / z}, pi, 1e-12);
        assertEquals(0.2 * top / z - 0.3 / z, exploitabilityByDefinition(pi), 1e-12);
        assertEquals(0.188267836391312, Intransitive.exploitability(pi), 1e-12);
    }

    @Test void everyCheckPasses() {
        assertTrue(RESULT.passed(), RESULT.claims().toString());
        assertEquals(Intransitive.ITERATIONS, RESULT.table().rows().size());
        assertEquals(4, Intransitive.Result.belowSince(new double[] {0.5, 0.005, 0.02, 0.009, 0.001}));
    }
}
