package org.jpo.pairs;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code group} on hand-made scores: every scored sample is kept with its advantage, computed on paper for each estimator;
 * missing scores are left out and counted, a lone scored sample is too few, an all-tied group is kept with advantages 0.
 */
class GroupPairsTest {
    static final PairsConfig GROUP = new PairsConfig(Strategy.GROUP, 0.0, 0.0, Optional.empty(), 1, PairsConfig.Eos.FINISHED_ONLY, 0.0);

    static Outcome run(Advantages.Kind kind, String prompt, Double... scores) {
        Sample[] s = new Sample[scores.length];
        for (int i = 0; i < s.length; i++) s[i] = Sample.of(i, scores[i], 3);
        return new PairBuilder(GROUP, 7, false, kind).build(1, new PromptSamples(prompt, List.of(s)));
    }

    /** Scores 1, (missing), 0, 0.5: mean 0.5, unbiased std sqrt(0.5/2) = 0.5. */
    @Test void everyScoredSampleWithItsAdvantage() {
        double[][] expected = {
                {0.5 / (0.5 + 1e-4), -0.5 / (0.5 + 1e-4), 0},     // grpo: (r − 0.5)/(0.5 + 1e-4)
                {0.5, -0.5, 0},                                   // dr_grpo: r − 0.5
                {1 - 0.25, 0 - 0.75, 0.5 - 0.5},                  // rloo: r_i − mean of the other two
                {0.5, -0.5, 0},                                   // nash_md: r − ½, the control variate (the mean is ½ here too)
                {0.5, -0.5, 0},                                   // spo: r − ½, the value of the symmetric game
        };
        Advantages.Kind[] kinds = Advantages.Kind.values();
        for (int k = 0; k < kinds.length; k++) {
            Outcome o = run(kinds[k], "p", 1.0, null, 0.0, 0.5);
            assertEquals(List.of(0, 2, 3), o.grouped().stream().map(Grouped::index).toList());
            for (int i = 0; i < 3; i++) {
                Grouped g = o.grouped().get(i);
                assertEquals(expected[k][i], g.advantage(), 1e-15, kinds[k] + " sample " + g.index());
                assertEquals(3, g.groupSize());
                assertEquals(0.5, g.groupMean(), 1e-15);
                assertEquals(0.5, g.groupStd(), 1e-15);
            }
            assertEquals(new Counts(1, 4, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3), o.counts());
        }
    }

    /**
     * spo centres on ½, the game's value, not on the group's mean: they agree when every pair was compared (the win rates
     * then average ½ exactly), and differ when some were not, as here (win rates 1, 0, 0.8 average 0.6).
     */
    @Test void spoCentresOnOneHalfNotOnTheGroupsMean() {
        Outcome o = run(Advantages.Kind.SPO, "p", 1.0, 0.0, 0.8);
        assertEquals(List.of(0.5, -0.5, 0.8 - 0.5), o.grouped().stream().map(Grouped::advantage).toList());
    }

    @Test void aLoneScoredSampleIsTooFewAndAnAllTiedGroupIsKeptAtZero() {
        Outcome lone = run(Advantages.Kind.RLOO, "p", 0.7, null);
        assertTrue(lone.grouped().isEmpty());
        assertEquals(1, lone.counts().tooFew());
        assertEquals(1, lone.counts().missing());
        Outcome tied = run(Advantages.Kind.GRPO, "q", 1.0, 1.0, 1.0);
        assertEquals(3, tied.grouped().size());
        for (Grouped g : tied.grouped()) assertEquals(0.0, g.advantage());
        assertEquals(1, tied.counts().allTied());
    }
}
