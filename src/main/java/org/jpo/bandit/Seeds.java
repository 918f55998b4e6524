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
        return new SplittableRandom(org.jpo.sampling.Seeds.of(seed, fingerprint(experiment), round, index));
    }

    private static long fingerprint(String name) {
        long h = 0xCBF29CE484222325L;                       // FNV-1a, stable across JVMs and runs
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) h = (h ^ (b & 0xff)) * 0x100000001B3L;
        return h;
    }
}
