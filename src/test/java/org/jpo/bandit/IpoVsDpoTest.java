package org.jpo.bandit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class IpoVsDpoTest {
    private static final IpoVsDpo.Result RESULT = IpoVsDpo.run();

    /** 1/(3τ) for τ = 0.1, 0.5, 1, written out (spec/losses.md, bandit check 1; Azar et al. §5). */
    private static final double[] THIRD = {10.0 / 3, 2.0 / 3, 1.0 / 3};

    /** IPO's gaps reach the closed form a = b = 1/(3τ), a + b = 2/(3τ) to rounding (measured: 2.2e-16 at most). */
    @Test void ipoConvergesToOneOverThreeTau() {
        assertEquals(3, RESULT.runs().size());
        for (int i = 0; i < THIRD.length; i++) {
            IpoVsDpo.Run r = RESULT.runs().get(i);
            double[] g = r.ipo().last();
            assertEquals(THIRD[i], g[0], 1e-14, "log pi(y1)/pi(y2), tau " + r.tau());
            assertEquals(THIRD[i], g[1], 1e-14, "log pi(y2)/pi(y3), tau " + r.tau());
            assertEquals(2 * THIRD[i], g[2], 1e-14, "log pi(y1)/pi(y3), tau " + r.tau());
        }
    }

    /**
     * The path, not only the end: with a uniform reference the summed IPO loss is
     * (1/3)·[(θ1−θ2−c)² + (θ2−θ3−c)² + (θ1−θ3−c)²], c = 1/(2τ), whose Hessian 2I − (2/3)·11ᵀ is 2 on every gap
     * direction. Gradient descent at lr 0.25 from θ = 0 therefore gives gap_t = (1/(3τ))·(1 − 2⁻ᵗ) exactly;
     * measured against the run: 1.3e-15 at most over steps 5…60.
     */
    @Test void ipoHalvesTheDistanceToTheOptimumEveryStep() {
        for (int i = 0; i < THIRD.length; i++) {
            IpoVsDpo.Run r = RESULT.runs().get(i);
            for (int step = IpoVsDpo.RECORD_EVERY; step <= 60; step += IpoVsDpo.RECORD_EVERY) {
                double gap = THIRD[i] * (1 - Math.pow(2, -step));
                double[] g = r.ipo().at(step);
                assertEquals(gap, g[0], 1e-14, "tau " + r.tau() + " step " + step);
                assertEquals(gap, g[1], 1e-14, "tau " + r.tau() + " step " + step);
                assertEquals(2 * gap, g[2], 1e-14, "tau " + r.tau() + " step " + step);
            }
        }
    }

    @Test void dpoGapsStrictlyIncreaseOverTenCheckpoints() {
        for (IpoVsDpo.Run r : RESULT.runs()) {
            double[][] cp = r.dpoCheckpoints();
            for (int m = 1; m < 10; m++) {
                for (int j = 0; j < 3; j++) {
                    assertTrue(cp[m][j] > cp[m - 1][j], "tau " + r.tau() + " pair " + j + " checkpoint " + m);
                }
            }
            assertTrue(cp[9][0] > r.target(), "DPO passes IPO's gap at tau " + r.tau());
        }
    }

    /**
     * The torch run against plain-Java gradient descent on the same DPO loss: with uniform reference and
     * a = θ1 − θ2, b = θ2 − θ3, L = −(1/3)[logσ(βa) + logσ(βb) + logσ(β(a+b))]. Measured: 1.2e-14 apart at most.
     */
    @Test void dpoTraceMatchesHandWrittenGradientDescent() {
        for (IpoVsDpo.Run r : RESULT.runs()) {
            double beta = r.tau();
            double[] theta = new double[3];
            for (int step = 1; step <= 10 * IpoVsDpo.N; step++) {
                double ga = beta * Probabilities.sigmoid(-beta * (theta[0] - theta[1])) / 3;
                double gb = beta * Probabilities.sigmoid(-beta * (theta[1] - theta[2])) / 3;
                double gc = beta * Probabilities.sigmoid(-beta * (theta[0] - theta[2])) / 3;
                double[] grad = {-ga - gc, ga - gb, gb + gc};
                for (int y = 0; y < 3; y++) theta[y] -= IpoVsDpo.LR * grad[y];
                if (step % IpoVsDpo.N == 0) {
                    double[] torch = r.dpo().at(step);
                    assertEquals(theta[0] - theta[1], torch[0], 1e-13, "tau " + beta + " step " + step);
                    assertEquals(theta[1] - theta[2], torch[1], 1e-13, "tau " + beta + " step " + step);
                }
            }
        }
    }

    @Test void everyCheckPassesAndTheTableHasOneRowPerCheckpoint() {
        assertTrue(RESULT.passed(), RESULT.claims().toString());
        assertEquals(6, RESULT.claims().size());
        assertEquals(3 * 11, RESULT.table().rows().size());
        assertEquals(THIRD[0], (double) RESULT.table().rows().get(0).get(5), 1e-15);
    }
}
