package org.jpo.train;

import org.jpo.Seeds;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Which examples make micro-batch k: epoch e = k / batchesPerEpoch is a permutation drawn from (seed, e).
 * A pure function of k, so a resumed run sees exactly the batches an uninterrupted one would.
 */
final class Order<E> {
    private final List<E> examples;
    private final int batchSize;
    private final long seed;
    private long cachedEpoch = -1;
    private int[] perm;

    Order(List<E> examples, int batchSize, long seed) {
        this.examples = examples;
        this.batchSize = batchSize;
        this.seed = seed;
    }

    int batchesPerEpoch() { return (examples.size() + batchSize - 1) / batchSize; }

    /** Fractional epoch reached after {@code microBatches} micro-batches. */
    double epoch(long microBatches) { return (double) microBatches / batchesPerEpoch(); }

    List<E> batch(long k) {
        long epoch = k / batchesPerEpoch();
        if (epoch != cachedEpoch) {
            perm = permutation(examples.size(), new SplittableRandom(Seeds.of(seed, 0x5EED0DL, epoch)));
            cachedEpoch = epoch;
        }
        int from = (int) (k % batchesPerEpoch()) * batchSize, to = Math.min(examples.size(), from + batchSize);
        List<E> out = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) out.add(examples.get(perm[i]));
        return out;
    }

    private static int[] permutation(int n, SplittableRandom rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i]; p[i] = p[j]; p[j] = t;
        }
        return p;
    }
}
