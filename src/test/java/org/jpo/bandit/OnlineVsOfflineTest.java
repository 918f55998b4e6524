package org.jpo.bandit;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.*;

class OnlineVsOfflineTest {
    /** Five base seeds, each 20 replicas per method and budget: the claims must hold at every one. */
    private static final List<OnlineVsOffline.Result> RESULTS =
            LongStream.range(0, 5).mapToObj(OnlineVsOffline::run).toList();

    @Test void optimumRewardByHand() {
        double[] r = OnlineVsOffline.REWARD, ref = OnlineVsOffline.REFERENCE;
        double z = 0, e = 0;
        for (int y = 0; y < r.length; y++) {
            double w = ref[y] * Math.exp(r[y] / 0.5);
            z += w;
            e += w * r[y];
        }
        assertEquals(e / z, OnlineVsOffline.optimumReward(), 1e-12);
        assertEquals(0.19, Probabilities.expectation(ref, r), 1e-12);
    }

    @Test void onlineBeatsOfflineByMoreThanTwoStandardErrorsAt256Labels() {
        for (OnlineVsOffline.Result result : RESULTS) {
            OnlineVsOffline.Row row = result.row(256);
            assertEquals(OnlineVsOffline.SEEDS, row.online().length);
            double diff = row.onlineMean() - row.offlineMean();
            double se = Math.sqrt(variance(row.online()) / 20 + variance(row.offline()) / 20);
            assertTrue(diff > 2 * se, "seed " + result.seed() + ": online " + row.onlineMean() + ", offline "
                    + row.offlineMean() + ", se " + se);
            assertEquals(diff / se, row.z(), 1e-9);
            assertTrue(row.onlineMean() > 0.95 * OnlineVsOffline.optimumReward(), "seed " + result.seed() + ": online "
                    + row.onlineMean() + " reaches the KL-optimum");
        }
    }

    /** With 4 labels a round, online cannot steer its sampling: an edge at 16 labels means it saw more. */
    @Test void onlineDoesNotBeatOfflineAt16Labels() {
        for (OnlineVsOffline.Result result : RESULTS) {
            OnlineVsOffline.Row row = result.row(16);
            double se = Math.sqrt(variance(row.online()) / 20 + variance(row.offline()) / 20);
            assertTrue(row.onlineMean() - row.offlineMean() <= 2 * se, "seed " + result.seed() + ": online "
                    + row.onlineMean() + ", offline " + row.offlineMean() + ", se " + se);
        }
    }

    /** Offline never ranks the top three: even at 1024 labels it stays 2 SE short of the KL-optimum. */
    @Test void offlineStaysBelowTheOptimumAt1024Labels() {
        for (OnlineVsOffline.Result result : RESULTS) {
            OnlineVsOffline.Row row = result.row(1024);
            assertTrue(row.offlineMean() + 2 * row.offlineSe() < OnlineVsOffline.optimumReward(),
                    "seed " + result.seed() + ": offline " + row.offlineMean() + " +- " + row.offlineSe());
        }
    }

    @Test void everyClaimHoldsAtEverySeed() {
        for (OnlineVsOffline.Result result : RESULTS) {
            assertTrue(result.passed(), "seed " + result.seed() + ": " + result.claims());
        }
    }

    @Test void seedsAreIndependentReplicas() {
        double[] online = RESULTS.get(0).rows().get(0).online();
        assertEquals(20, Arrays.stream(online).distinct().count());
        assertNotEquals(online[0], RESULTS.get(1).rows().get(0).online()[0]);
    }

    private static double variance(double[] a) {
        double m = Arrays.stream(a).average().orElseThrow(), ss = 0;
        for (double v : a) ss += (v - m) * (v - m);
        return ss / (a.length - 1);
    }
}
