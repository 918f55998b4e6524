package org.jpo.pairs;

import java.util.Optional;

/**
 * A preference pair of one prompt's samples.
 *
 * @param chosenIndex     the preferred sample's index
 * @param rejectedIndex   the other sample's index (for {@code anchored}, a sample of the initial policy)
 * @param margin          chosen score − rejected score, always > 0 (for {@code length_penalized}, of the
 *                        length-penalized scores)
 * @param chosenWinProb   for {@code sppo}: the chosen sample's mean win probability against the others
 * @param rejectedWinProb for {@code sppo}: the rejected sample's
 * @param preference      for {@code round_robin}: P(chosen ≻ rejected) in [½, 1] as the pairwise scorer gave it; the margin is
 *                        then P(chosen ≻ rejected) − P(rejected ≻ chosen) = 2P − 1, which is 0 for a tie (kept: the losses
 *                        that read P learn from it too)
 */
public record Pair(String promptId, int chosenIndex, int rejectedIndex, double margin, Optional<Double> chosenWinProb,
                   Optional<Double> rejectedWinProb, Strategy strategy, Optional<Double> preference) {
    public Pair {
        if (preference.isPresent()) {
            double p = preference.get();
            if (!(p >= 0.5 && p <= 1)) throw new IllegalArgumentException("preference P(chosen ≻ rejected) must be in [0.5, 1], got " + p);
            if (margin != 2 * p - 1) throw new IllegalArgumentException("a round_robin pair's margin is 2P − 1 = " + (2 * p - 1) + ", got " + margin);
        } else if (!(margin > 0)) {
            throw new IllegalArgumentException("pair margin must be > 0 (ties are dropped), got " + margin);
        }
    }

    public Pair(String promptId, int chosenIndex, int rejectedIndex, double margin, Optional<Double> chosenWinProb,
                Optional<Double> rejectedWinProb, Strategy strategy) {
        this(promptId, chosenIndex, rejectedIndex, margin, chosenWinProb, rejectedWinProb, strategy, Optional.empty());
    }
}
