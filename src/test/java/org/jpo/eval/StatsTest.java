package org.jpo.eval;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class StatsTest {
    /** t_{0.975, df} from published tables (to 6 decimals). */
    @Test void tQuantilesMatchTheTables() {
        assertEquals(12.706205, Stats.tQuantile(0.975, 1), 1e-6);
        assertEquals(4.302653, Stats.tQuantile(0.975, 2), 1e-6);
        assertEquals(3.182446, Stats.tQuantile(0.975, 3), 1e-6);
        assertEquals(2.776445, Stats.tQuantile(0.975, 4), 1e-6);
        assertEquals(2.262157, Stats.tQuantile(0.975, 9), 1e-6);
        assertEquals(2.042272, Stats.tQuantile(0.975, 30), 1e-6);
        assertEquals(1.962339, Stats.tQuantile(0.975, 1000), 1e-6);
        assertEquals(-2.776445, Stats.tQuantile(0.025, 4), 1e-6);
        assertEquals(0, Stats.tQuantile(0.5, 7), 1e-12);
    }

    /** df = 1 is Cauchy, CDF 1/2 + atan(t)/π; df = 2 has CDF 1/2 + t/(2√(2+t²)): both invert in closed form. */
    @Test void tCdfAndQuantileMatchTheClosedFormsForOneAndTwoDegreesOfFreedom() {
        for (double t : new double[] {-30, -2, -0.3, 0, 0.7, 1.7320508075688772, 4, 50}) {
            assertEquals(0.5 + Math.atan(t) / Math.PI, Stats.tCdf(t, 1), 1e-13, "df 1, t " + t);
            assertEquals(0.5 + t / (2 * Math.sqrt(2 + t * t)), Stats.tCdf(t, 2), 1e-13, "df 2, t " + t);
        }
        for (double p : new double[] {0.6, 0.9, 0.975, 0.995, 0.9999}) {
            assertEquals(Math.tan(Math.PI * (p - 0.5)), Stats.tQuantile(p, 1), 1e-9 * Math.tan(Math.PI * (p - 0.5)), "df 1, p " + p);
            double a = 2 * p - 1;
            assertEquals(a * Math.sqrt(2 / (1 - a * a)), Stats.tQuantile(p, 2), 1e-10, "df 2, p " + p);
        }
    }

    @Test void incompleteBetaMatchesItsClosedForms() {
        for (double x : new double[] {0, 0.01, 0.3, 0.5, 0.77, 0.999, 1}) {
            assertEquals(x, Stats.incompleteBeta(x, 1, 1), 1e-14, "I_x(1,1) = x");
            assertEquals(Math.pow(x, 3.5), Stats.incompleteBeta(x, 3.5, 1), 1e-14, "I_x(a,1) = x^a");
            assertEquals(1 - Math.pow(1 - x, 2.5), Stats.incompleteBeta(x, 1, 2.5), 1e-14, "I_x(1,b) = 1 - (1-x)^b");
            assertEquals(2 / Math.PI * Math.asin(Math.sqrt(x)), Stats.incompleteBeta(x, 0.5, 0.5), 1e-13, "arcsine distribution");
        }
    }

    @Test void logGammaMatchesFactorialsAndHalfIntegers() {
        assertEquals(0.5 * Math.log(Math.PI), Stats.logGamma(0.5), 1e-14);
        assertEquals(0, Stats.logGamma(1), 1e-14);
        assertEquals(0, Stats.logGamma(2), 1e-14);
        assertEquals(Math.log(15.0 / 8 * Math.sqrt(Math.PI)), Stats.logGamma(3.5), 1e-13);
        assertEquals(Math.log(362880), Stats.logGamma(10), 1e-12);
        double lnFact99 = 0;
        for (int k = 2; k <= 99; k++) lnFact99 += Math.log(k);
        assertEquals(lnFact99, Stats.logGamma(100), 1e-10);
    }

    @Test void meanSdAndIntervalOfThreeSeeds() {
        Stats.Estimate e = Stats.estimate(new double[] {0.5, 0.6, 0.7});
        assertEquals(3, e.n());
        assertEquals(0.6, e.mean(), 1e-12);
        assertEquals(0.1, e.sd(), 1e-12);
        // t_{0.975,2} · 0.1 / √3 = 4.302653 · 0.057735 = 0.248414
        assertEquals(0.6 - 0.248414, e.lo(), 1e-6);
        assertEquals(0.6 + 0.248414, e.hi(), 1e-6);
    }

    /** Diffs {0.1, 0.2, 0.0}: mean 0.1, sd 0.1, t = 0.1 / (0.1/√3) = √3, df 2: p = 2(1/2 − √3/(2√5)) = 1 − √(3/5). */
    @Test void pairedDifferenceOverThreeSeeds() {
        Stats.Paired d = Stats.paired(new double[] {0.6, 0.8, 0.7}, new double[] {0.5, 0.6, 0.7});
        assertEquals(3, d.n());
        assertEquals(0.1, d.mean(), 1e-12);
        assertEquals(0.1 - 0.248414, d.lo(), 1e-6);
        assertEquals(0.1 + 0.248414, d.hi(), 1e-6);
        assertEquals(1 - Math.sqrt(0.6), d.p(), 1e-12);
        assertEquals(0.225403, d.p(), 1e-6);
    }

    /** Diffs {1, 3}: mean 2, sd √2, t = 2, df 1: p = 1 − 2 atan(2)/π; interval 2 ± t_{0.975,1} · 1. */
    @Test void pairedDifferenceOverTwoSeeds() {
        Stats.Paired d = Stats.paired(new double[] {3, 5}, new double[] {2, 2});
        assertEquals(2, d.mean(), 1e-12);
        assertEquals(1 - 2 * Math.atan(2) / Math.PI, d.p(), 1e-12);
        assertEquals(0.295167, d.p(), 1e-6);
        assertEquals(2 - 12.706205, d.lo(), 1e-6);
        assertEquals(2 + 12.706205, d.hi(), 1e-6);
    }

    @Test void oneSeedHasAMeanButNoIntervalAndNoneHasNothing() {
        Stats.Estimate e = Stats.estimate(new double[] {0.4});
        assertEquals(0.4, e.mean());
        assertTrue(Double.isNaN(e.lo()) && Double.isNaN(e.hi()) && Double.isNaN(e.sd()));
        Stats.Paired d = Stats.paired(new double[] {0.4}, new double[] {0.1});
        assertEquals(0.3, d.mean(), 1e-12);
        assertTrue(Double.isNaN(d.lo()) && Double.isNaN(d.hi()) && Double.isNaN(d.p()));
        Stats.Paired none = Stats.paired(new double[0], new double[0]);
        assertEquals(0, none.n());
        assertTrue(Double.isNaN(none.mean()));
    }

    @Test void aConstantDifferenceHasAPointIntervalAndPOfZeroOrOne() {
        Stats.Paired d = Stats.paired(new double[] {0.75, 0.5, 1.0}, new double[] {0.5, 0.25, 0.75});
        assertEquals(0.25, d.mean(), 0);
        assertEquals(0.25, d.lo(), 0);
        assertEquals(0.25, d.hi(), 0);
        assertEquals(0, d.p());
        Stats.Paired same = Stats.paired(new double[] {0.5, 0.25}, new double[] {0.5, 0.25});
        assertEquals(0, same.lo());
        assertEquals(0, same.hi());
        assertEquals(1, same.p());
    }

    /**
     * Calibration: 1000 comparisons of two recipes drawn from one distribution (5 seeds each; a seed effect both share,
     * plus each run's own noise): the 95% interval of the paired difference holds 0 in 92–98% of them, and the t-test
     * says p < 0.05 in the rest. So two identical recipes are not called different more often than 1 time in 20. With
     * 1.96 in place of t (or the population sd) the coverage would be about 88%, below the bound.
     */
    @Test void identicalRecipesAreNotCalledDifferentAndAThreeSdDifferenceIsFound() {
        Random random = new Random(20240611);
        int sims = 1000, covered = 0, significant = 0, detected = 0;
        for (int s = 0; s < sims; s++) {
            double[] baseline = new double[5], same = new double[5], better = new double[5];
            for (int i = 0; i < 5; i++) {
                double seedEffect = 2 * random.nextGaussian();
                baseline[i] = 10 + seedEffect + random.nextGaussian();
                same[i] = 10 + seedEffect + random.nextGaussian();
                better[i] = 13 + seedEffect + random.nextGaussian();   // 3 sd of a run's noise above
            }
            Stats.Paired d = Stats.paired(same, baseline);
            if (d.lo() <= 0 && 0 <= d.hi()) covered++;
            if (d.p() < 0.05) significant++;
            if (Stats.paired(better, baseline).p() < 0.05) detected++;
        }
        double coverage = covered / (double) sims;
        assertTrue(coverage >= 0.92 && coverage <= 0.98, "coverage " + coverage);
        assertEquals(sims - covered, significant, "p < 0.05 exactly when the interval misses 0");
        assertTrue(detected > 0.8 * sims, "detected " + detected + " of " + sims);
    }
}
