package org.jpo;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * The project's one seed mixer. Every random stream is derived from coordinates (run seed, round, prompt id,
 * sample index, ...), never drawn from a shared generator, so any completion, pair or batch order can be
 * regenerated alone and batch composition cannot change it (STYLE.md habit 6).
 */
public final class Seeds {
    private static final long ROUND = 0x526F756E64L;     // "Round": keeps round coordinates apart from others

    private Seeds() {}

    /** A well-mixed 64-bit seed from the given coordinates (SplitMix64 finalizer applied per coordinate). */
    public static long of(long seed, long... coordinates) {
        long h = mix(seed ^ 0x6A09E667F3BCC909L);
        for (long c : coordinates) h = step(h, c);
        return h;
    }

    private static long step(long h, long coordinate) { return mix(h ^ mix(coordinate + 0x9E3779B97F4A7C15L)); }

    /**
     * The seed of one sampled completion: (run seed, round, prompt id, sample index). Round 0 is the stream
     * {@code jpo generate} has always used, {@code of(seed, promptId, sampleIndex)}, so seeded outputs made
     * before rounds existed do not change; round r &gt; 0 first derives a run seed for the round.
     */
    public static long sample(long seed, long round, long promptId, long sampleIndex) {
        return sampleOf(promptSeed(seed, round, promptId), sampleIndex);
    }

    /**
     * The state {@link #sample} reaches after (seed, round, prompt): one prompt's samples derive from it alone, so a
     * request carrying it as its {@code seed} (the remote sampler's, to {@code jpo serve}) gets the local samples.
     */
    public static long promptSeed(long seed, long round, long promptId) {
        long s = round == 0 ? seed : of(seed, ROUND, round);
        return step(mix(s ^ 0x6A09E667F3BCC909L), promptId);
    }

    /** Sample {@code sampleIndex}'s seed from its prompt's {@link #promptSeed} (or an API request's seed). */
    public static long sampleOf(long promptSeed, long sampleIndex) { return step(promptSeed, sampleIndex); }

    /** The stream for one (seed, named stream, round, index); distinct tuples give independent streams. */
    public static SplittableRandom stream(long seed, String name, long round, long index) {
        return new SplittableRandom(of(seed, fingerprint(name), round, index));
    }

    /** A stable 64-bit id for a name or a string prompt id (FNV-1a over UTF-8: the same on every JVM and run). */
    public static long fingerprint(String name) {
        long h = 0xCBF29CE484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) h = (h ^ (b & 0xff)) * 0x100000001B3L;
        return h;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
