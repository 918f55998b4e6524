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
 */
public record Pair(String promptId, int chosenIndex, int rejectedIndex, double margin, Optional<Double> chosenWinProb,
                   Optional<Double> rejectedWinProb, Strategy strategy) {
    public Pair {
        if (!(margin > 0)) throw new IllegalArgumentException("pair margin must be > 0 (ties are dropped), got " + margin);
    }
}
