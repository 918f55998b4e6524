package org.jpo.bandit;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Random streams derived from (run seed, experiment, round, index), never from a shared generator, so
 * any round of any experiment can be replayed alone (STYLE.md habit 6).
 */
public final class Seeds {
    private Seeds() {}

    /** The stream for one (seed, experiment, round, index); distinct tuples give independent streams. */
    public static SplittableRandom stream(long seed, String experiment, long round, long index) {
        return new SplittableRandom(mix(seed, fingerprint(experiment), round, index));
    }

    /** Chains splitmix64 over the parts: a change in any part changes every bit of the result. */
    static long mix(long... parts) {
        long h = 0x9E3779B97F4A7C15L;
        for (long p : parts) h = splitmix64(h ^ splitmix64(p));
        return h;
    }

    private static long fingerprint(String name) {
        long h = 0xCBF29CE484222325L;                       // FNV-1a, stable across JVMs and runs
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) h = (h ^ (b & 0xff)) * 0x100000001B3L;
        return h;
    }

    private static long splitmix64(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
