package org.jpo.sampling;

/**
 * Seeds derived from coordinates (run seed, round, prompt index, sample index, ...), never from a shared
 * generator: any completion can be regenerated alone, and batch composition cannot change it.
 */
public final class Seeds {
    private Seeds() {}

    /** A well-mixed 64-bit seed from the given coordinates (SplitMix64 finalizer applied per coordinate). */
    public static long of(long seed, long... coordinates) {
        long h = mix(seed ^ 0x6A09E667F3BCC909L);
        for (long c : coordinates) h = mix(h ^ mix(c + 0x9E3779B97F4A7C15L));
        return h;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
