package org.jpo.bandit;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class OnlineVsOfflineTest {
    private static final OnlineVsOffline.Result RESULT = OnlineVsOffline.run(0);

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
        OnlineVsOffline.Row row = RESULT.rows().stream().filter(r -> r.budget() == 256).findFirst().orElseThrow();
        assertEquals(OnlineVsOffline.SEEDS, row.online().length);
        double diff = row.onlineMean() - row.offlineMean();
        double se = Math.sqrt(variance(row.online()) / 20 + variance(row.offline()) / 20);
        assertTrue(diff > 2 * se, "online " + row.onlineMean() + ", offline " + row.offlineMean() + ", se " + se);
        assertEquals(diff / se, row.z(), 1e-9);
        assertTrue(row.onlineMean() > 0.95 * OnlineVsOffline.optimumReward(), "online reaches the KL-optimum");
    }

    @Test void theyMeetAtTheSmallestBudgets() {
        List<Integer> meet = RESULT.rows().stream().filter(r -> r.verdict().equals("meet")).map(OnlineVsOffline.Row::budget).toList();
        assertTrue(meet.contains(16), meet.toString());
        assertTrue(RESULT.passed(), RESULT.claims().toString());
    }

    @Test void seedsAreIndependentReplicas() {
        double[] online = RESULT.rows().get(0).online();
        assertEquals(20, java.util.Arrays.stream(online).distinct().count());
    }

    private static double variance(double[] a) {
        double m = java.util.Arrays.stream(a).average().orElseThrow(), ss = 0;
        for (double v : a) ss += (v - m) * (v - m);
        return ss / (a.length - 1);
    }
}
