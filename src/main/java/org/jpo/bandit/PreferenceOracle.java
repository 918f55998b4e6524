package org.jpo.bandit;

import org.jpo.Seeds;
import java.util.SplittableRandom;

/** A preference oracle: labels from a known reward, P(i ≻ j) = σ(r_i − r_j) (Bradley–Terry). */
public record PreferenceOracle(double[] reward) {
    public double prob(int i, int j) { return Probabilities.sigmoid(reward[i] - reward[j]); }

    /**
     * n pairs of two distinct actions drawn from {@code policy}, each labelled by this model. Pair i uses
     * its own stream (seed, stream, round, i), so any pair can be regenerated alone.
     */
    public Pairs sample(double[] policy, int n, long seed, String stream, int round) {
        int[] chosen = new int[n], rejected = new int[n];
        for (int i = 0; i < n; i++) {
            SplittableRandom rng = Seeds.stream(seed, stream, round, i);
            int a = Probabilities.sample(policy, rng);
            int b = Probabilities.sampleExcept(policy, a, rng);
            boolean aWins = rng.nextDouble() < prob(a, b);
            chosen[i] = aWins ? a : b;
            rejected[i] = aWins ? b : a;
        }
        return Pairs.of(chosen, rejected);
    }
}
