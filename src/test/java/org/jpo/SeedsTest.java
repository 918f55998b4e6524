package org.jpo;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class SeedsTest {
    /** Values of the sampler's seed before rounds existed (sampling.Seeds.of(seed, promptIndex, sampleIndex)). */
    @Test void roundZeroKeepsTheStreamsSeededResultsWereMadeWith() {
        assertEquals(GOLDEN_42_3_5, Seeds.sample(42, 0, 3, 5));
        assertEquals(GOLDEN_0_0_0, Seeds.sample(0, 0, 0, 0));
    }

    @Test void everyCoordinateChangesTheSeed() {
        long base = Seeds.sample(42, 1, 3, 5);
        assertNotEquals(Seeds.sample(42, 0, 3, 5), base);
        assertNotEquals(Seeds.sample(42, 2, 3, 5), base);
        assertNotEquals(Seeds.sample(43, 1, 3, 5), base);
        assertNotEquals(Seeds.sample(42, 1, 4, 5), base);
        assertNotEquals(Seeds.sample(42, 1, 3, 6), base);
        assertNotEquals(Seeds.sample(42, 1, 5, 3), base);
    }

    /** A prompt's seed carries its samples' streams: a request seeded with it regenerates the local samples. */
    @Test void aPromptSeedContinuesToTheSampleSeeds() {
        for (long round : new long[] {0, 1, 7}) {
            for (int j = 0; j < 4; j++) assertEquals(Seeds.sample(42, round, 3, j), Seeds.sampleOf(Seeds.promptSeed(42, round, 3), j));
        }
        assertEquals(Seeds.of(42, 3, 5), Seeds.sampleOf(Seeds.promptSeed(42, 0, 3), 5));
    }

    @Test void fingerprintsAreFnv1a() {
        assertEquals(0xCBF29CE484222325L, Seeds.fingerprint(""));
        assertEquals(0xAF63DC4C8601EC8CL, Seeds.fingerprint("a"));   // FNV-1a 64 test vector
    }

    private static final long GOLDEN_42_3_5 = -8821528480573711900L;
    private static final long GOLDEN_0_0_0 = 3491248852785153929L;
}
