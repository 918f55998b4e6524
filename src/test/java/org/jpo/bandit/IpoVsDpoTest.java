package org.jpo.bandit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class IpoVsDpoTest {
    private static final IpoVsDpo.Result RESULT = IpoVsDpo.run();

    /** IPO's gaps reach the closed form a = b = 1/(3τ), a + b = 2/(3τ) (Azar et al. §5). */
    @Test void ipoConvergesToOneOverThreeTau() {
        assertEquals(3, RESULT.runs().size());
        for (IpoVsDpo.Run r : RESULT.runs()) {
            double third = 1 / (3 * r.tau());
            double[] g = r.ipo().last();
            assertEquals(third, g[0], 1e-3, "log pi(y1)/pi(y2), tau " + r.tau());
            assertEquals(third, g[1], 1e-3, "log pi(y2)/pi(y3), tau " + r.tau());
            assertEquals(2 * third, g[2], 1e-3, "log pi(y1)/pi(y3), tau " + r.tau());
        }
    }

    /** The stationary point of (a−c)² + (b−c)² + (a+b−c)²: both partial derivatives vanish at a = b = 2c/3. */
    @Test void closedFormIsTheMinimizer() {
        double c = 1 / (2 * 0.5), a = 2 * c / 3, b = 2 * c / 3;
        assertEquals(0, 2 * (a - c) + 2 * (a + b - c), 1e-15);
        assertEquals(0, 2 * (b - c) + 2 * (a + b - c), 1e-15);
        assertEquals(1 / (3 * 0.5), a, 1e-15);
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
     * a = θ1 − θ2, b = θ2 − θ3, L = −(1/3)[logσ(βa) + logσ(βb) + logσ(β(a+b))].
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
                    assertEquals(theta[0] - theta[1], torch[0], 1e-9, "tau " + beta + " step " + step);
                    assertEquals(theta[1] - theta[2], torch[1], 1e-9, "tau " + beta + " step " + step);
                }
            }
        }
    }

    @Test void everyCheckPassesAndTheTableHasOneRowPerCheckpoint() {
        assertTrue(RESULT.passed(), RESULT.claims().toString());
        assertEquals(6, RESULT.claims().size());
        assertEquals(3 * 11, RESULT.table().rows().size());
        assertEquals(3.0 / 9 * 10, (double) RESULT.table().rows().get(0).get(5), 1e-12);
    }
}
