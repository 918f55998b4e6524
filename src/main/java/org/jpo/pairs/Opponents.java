package org.jpo.pairs;

import org.jpo.sampling.SampleRow;

/**
 * nash_md's matches: a prompt's n policy samples have indexes 0..n−1 and their opponents, drawn from the geometric mixture
 * ({@link SampleRow.Policy#MIXTURE}), n..2n−1; policy sample k plays opponent n + k (the mixture's sample number k).
 */
public final class Opponents {
    private Opponents() {}

    /** The opponent's sample index of policy sample {@code index}, with {@code n} policy samples per prompt. */
    public static int of(int index, int n) { return n + index; }

    /** The match {@code row} plays in: k for policy sample k and for its opponent n + k. */
    public static int match(SampleRow row, int n) { return row.policy() == SampleRow.Policy.MIXTURE ? row.sampleIndex() - n : row.sampleIndex(); }
}
