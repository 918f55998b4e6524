package org.jpo.pairs;

import org.jpo.Seeds;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

import static org.jpo.pairs.Strategy.*;
import static org.junit.jupiter.api.Assertions.*;

/** Every strategy on hand-made scores: which samples pair, what is dropped and counted, margins and probabilities by hand. */
class PairBuilderTest {
    static final double EPS = 1e-12;

    static PairsConfig config(Strategy s) {
        return new PairsConfig(s, 0.0, s == LENGTH_PENALIZED ? 0.01 : 0.0, s == UNPAIRED ? Optional.of(0.5) : Optional.empty(), 1, PairsConfig.Eos.FINISHED_ONLY, 0.0);
    }

    static Outcome run(PairsConfig c, Sample... s) { return new PairBuilder(c, 7).build(1, new PromptSamples("p", List.of(s))); }

    static Outcome run(Strategy st, Sample... s) { return run(config(st), s); }

    /** Scores by index 0, 1, 2, ...; null = missing; 10 tokens each. */
    static Sample[] scores(Double... v) {
        Sample[] out = new Sample[v.length];
        for (int i = 0; i < v.length; i++) out[i] = Sample.of(i, v[i], 10);
        return out;
    }

    static Pair only(Outcome o) {
        assertEquals(1, o.pairs().size(), o.toString());
        return o.pairs().get(0);
    }

    static void assertPair(Outcome o, int chosen, int rejected, double margin) {
        Pair p = only(o);
        assertEquals(List.of(chosen, rejected), List.of(p.chosenIndex(), p.rejectedIndex()), o.toString());
        assertEquals(margin, p.margin(), EPS);
    }

    @Test void bestWorstPairsTheMaxWithTheMinAndCountsMissingScores() {
        Outcome o = run(BEST_WORST, scores(0.5, 0.9, null, 0.1, 0.9));
        assertPair(o, 1, 3, 0.8);          // 0.9 at indices 1 and 4: the lower index
        assertEquals(new Counts(1, 5, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0), o.counts());
        assertEquals(new Pair("p", 1, 3, o.pairs().get(0).margin(), Optional.empty(), Optional.empty(), BEST_WORST), o.pairs().get(0));
    }

    /** Pairwise strategies get nothing from an all-tied prompt; KTO labels and SFT targets need no contrast. */
    /** Every strategy that pairs samples (tree pairs the steps of search trees: TreePairsTest). */
    static List<Strategy> ofSamples() { return java.util.Arrays.stream(Strategy.values()).filter(s -> s != TREE).toList(); }

    @Test void allTiedPromptsAreCountedByEveryStrategyAndOnlyUnpairedAndBestUseThem() {
        for (Strategy s : ofSamples()) {
            Sample[] tied = {Sample.of(0, 1.0, 10), Sample.of(1, null, 10), Sample.of(2, 1.0, 10), Sample.ofInitial(3, 1.0, 10)};
            Outcome o = run(s, tied);
            assertEquals(List.of(), o.pairs(), s.name());
            assertEquals(s == UNPAIRED ? List.of(new Labeled("p", 0, true), new Labeled("p", 2, true)) : List.of(), o.labeled(), s.name());
            assertEquals(s == BEST ? List.of(new SftTarget("p", 0)) : List.of(), o.sftTargets(), s.name());
            assertEquals(1, o.counts().allTied(), s.name());
            assertEquals(1, o.counts().missing(), s.name());
            assertEquals(0, o.counts().tiesDropped(), s.name());
        }
    }

    @Test void tooFewScoredSamplesAreCounted() {
        Outcome o = run(BEST_WORST, scores(null, 0.7, null));
        assertEquals(List.of(), o.pairs());
        assertEquals(new Counts(1, 3, 2, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0), o.counts());
        assertEquals(List.of(new Labeled("p", 1, true)), run(UNPAIRED, scores(null, 0.7)).labeled());   // one is enough to label
        assertEquals(1, run(UNPAIRED, scores(null, null)).counts().tooFew());
    }

    @Test void bestSecondTakesTheSecondDistinctScore() {
        assertPair(run(BEST_SECOND, scores(0.25, 1.0, 0.75, 0.75, 1.0, null)), 1, 2, 0.25);
    }

    @Test void bestRandomDrawsAmongStrictlyLowerScoresFromTheSeededStream() {
        Sample[] s = scores(1.0, 0.0, 0.5, 0.25, 1.0);      // 4 ties with the best: never rejected
        List<Integer> lower = List.of(1, 2, 3);
        Set<Integer> seen = new HashSet<>();
        for (int k = 0; k < 60; k++) {
            String id = "prompt-" + k;
            Pair p = only(new PairBuilder(config(BEST_RANDOM), 11).build(3, new PromptSamples(id, List.of(s))));
            int expected = lower.get(Seeds.stream(11, "pairs/best_random", 3, Seeds.fingerprint(id)).nextInt(3));
            assertEquals(0, p.chosenIndex());
            assertEquals(expected, p.rejectedIndex(), id);
            assertEquals(1.0 - List.of(1.0, 0.0, 0.5, 0.25).get(expected), p.margin(), EPS);
            seen.add(p.rejectedIndex());
        }
        assertEquals(Set.copyOf(lower), seen);
    }

    @Test void bestRandomIsReproducibleAndDiffersAcrossSeedsAndRounds() {
        List<Integer> a = randomRejected(11, 3), b = randomRejected(12, 3), c = randomRejected(11, 4);
        assertEquals(a, randomRejected(11, 3));
        assertNotEquals(a, b);
        assertNotEquals(a, c);
    }

    static List<Integer> randomRejected(long seed, long round) {
        List<PromptSamples> prompts = new ArrayList<>();
        for (int k = 0; k < 40; k++) prompts.add(new PromptSamples("q" + k, List.of(scores(1.0, 0.0, 0.5, 0.25, 0.75, 0.125))));
        return new PairBuilder(config(BEST_RANDOM), seed).build(round, prompts).pairs().stream().map(Pair::rejectedIndex).toList();
    }

    @Test void sweetSpotRejectsTheSampleNearestMeanMinusTwoSigma() {
        // scores {0, 3, 9 ×7, 10 ×3}: μ = 96/12 = 8; Σ(s−μ)² = 64 + 25 + 7·1 + 3·4 = 108; σ = sqrt(108/12) = 3;
        // μ − 2σ = 2: the 3 (distance 1) beats the 0 (distance 2), so this is not best_worst.
        Sample[] s = scores(9.0, 10.0, 0.0, 9.0, 3.0, 9.0, 9.0, 9.0, 9.0, 9.0, 10.0, 10.0, null);
        assertEquals(2.0, PairBuilder.sweetSpotTarget(List.of(s).subList(0, 12)), EPS);
        assertPair(run(SWEET_SPOT, s), 1, 4, 7.0);
        assertPair(run(BEST_WORST, s), 1, 2, 10.0);
        // μ − 2σ below every score: the worst.
        assertPair(run(SWEET_SPOT, scores(0.0, 1.0, 2.0, 3.0)), 3, 0, 3.0);
    }

    @Test void sigmaIsThePopulationStandardDeviation() {
        List<Sample> s = List.of(scores(1.0, 3.0));
        assertEquals(2.0, PairBuilder.mean(s), EPS);
        assertEquals(1.0, PairBuilder.std(s), EPS);      // sqrt(((1−2)² + (3−2)²) / 2), not / (2 − 1)
    }

    @Test void tiesForBestAndWorstGoToTheLowerIndexWhateverTheInputOrder() {
        // {4, 0, 0, 8, 4, 4, 4, 8}: μ = 32/8 = 4; Σ(s−μ)² = 4·16 = 64; σ = sqrt(8); μ − 2σ ≈ −1.657: nearest is a 0.
        Sample[] s = {Sample.of(5, 4.0, 1), Sample.of(2, 0.0, 1), Sample.of(9, 0.0, 1), Sample.of(1, 8.0, 1), Sample.of(0, 4.0, 1),
                Sample.of(3, 4.0, 1), Sample.of(4, 4.0, 1), Sample.of(6, 8.0, 1)};
        assertEquals(4 - 2 * Math.sqrt(8), PairBuilder.sweetSpotTarget(List.of(s)), EPS);
        assertPair(run(SWEET_SPOT, s), 1, 2, 8.0);   // 0 at 2 and 9: index 2; 8 at 1 and 6: index 1
        assertPair(run(BEST_WORST, s), 1, 2, 8.0);
    }

    @Test void allPairsKeepsGapsStrictlyAboveTheMarginAndCountsTiesAndCloseOnes() {
        Sample[] s = scores(3.0, 1.0, 1.0, 2.5, null);
        PairsConfig c = new PairsConfig(ALL_PAIRS, 0.5, 0.0, Optional.empty(), 1, PairsConfig.Eos.FINISHED_ONLY, 0.0);
        Outcome o = run(c, s);
        assertEquals(List.of(List.of(0, 1), List.of(0, 2), List.of(3, 1), List.of(3, 2)),
                o.pairs().stream().map(p -> List.of(p.chosenIndex(), p.rejectedIndex())).toList());
        assertEquals(List.of(2.0, 2.0, 1.5, 1.5), o.pairs().stream().map(Pair::margin).toList());
        assertEquals(new Counts(1, 5, 1, 4, 0, 0, 1, 1, 0, 0, 0, 0, 0), o.counts());   // tie (1, 2); (0, 3) gap = 0.5 is not > 0.5
        Outcome zero = run(ALL_PAIRS, s);
        assertEquals(5, zero.pairs().size());
        assertEquals(1, zero.counts().tiesDropped());
        assertEquals(0, zero.counts().belowMargin());
    }

    @Test void lengthPenaltySubtractsLambdaPerToken() {
        // λ = 0.01: 1.0 − 1.0 = 0.0, 1.0 − 0.2 = 0.8, 0.5 − 0.1 = 0.4, 0.0 − 0.05 = −0.05
        Sample[] s = {Sample.of(0, 1.0, 100), Sample.of(1, 1.0, 20), Sample.of(2, 0.5, 10), Sample.of(3, 0.0, 5)};
        Outcome o = run(LENGTH_PENALIZED, s);
        assertPair(o, 1, 3, 0.85);
        assertEquals(LENGTH_PENALIZED, o.pairs().get(0).strategy());
        assertPair(run(BEST_WORST, s), 0, 3, 1.0);
        // all correct, different lengths: not tied after the penalty, the shorter is chosen
        assertPair(run(LENGTH_PENALIZED, Sample.of(0, 1.0, 30), Sample.of(1, 1.0, 10)), 1, 0, 0.2);
        assertEquals(1, run(LENGTH_PENALIZED, Sample.of(0, 1.0, 10), Sample.of(1, 1.0, 10)).counts().allTied());
    }

    @Test void sppoSetsMeanWinProbabilitiesAgainstTheOthers() {
        Outcome o = run(SPPO, scores(2.0, 0.0, 1.0, null));
        Pair p = only(o);
        assertEquals(List.of(0, 1), List.of(p.chosenIndex(), p.rejectedIndex()));
        assertEquals(2.0, p.margin(), EPS);
        // w0 = (σ(2) + σ(1)) / 2 = (0.8807970779778823 + 0.7310585786300049) / 2; w1 = (σ(−2) + σ(−1)) / 2 = 1 − w0
        assertEquals(0.8059278283039436, p.chosenWinProb().orElseThrow(), EPS);
        assertEquals(0.1940721716960564, p.rejectedWinProb().orElseThrow(), EPS);
        assertEquals(0.5, PairBuilder.winProb(Sample.of(2, 1.0, 1), List.of(scores(2.0, 0.0, 1.0))), EPS);  // (σ(−1) + σ(1)) / 2
        assertEquals(Optional.empty(), only(run(BEST_WORST, scores(2.0, 0.0))).chosenWinProb());
        // a pairwise judge's scores are win probabilities already: taken as they are
        Pair judged = only(new PairBuilder(config(SPPO), 1, true).build(1, new PromptSamples("p", List.of(scores(0.75, 0.125, 0.5)))));
        assertEquals(List.of(0, 1, 0.75, 0.125), List.of(judged.chosenIndex(), judged.rejectedIndex(), judged.chosenWinProb().orElseThrow(),
                judged.rejectedWinProb().orElseThrow()));
    }

    @Test void uncertaintyDropsPairsWithinKStandardDeviationsOfTheirGap() {
        // best 0.9 ± 0.3, worst 0.1 ± 0.4: gap 0.8, σ of the gap = hypot(0.3, 0.4) = 0.5
        Sample[] s = {new Sample(0, 0.9, 1, false, 0.3), new Sample(1, 0.5, 1, false, 0.0), new Sample(2, 0.1, 1, false, 0.4)};
        PairsConfig k15 = new PairsConfig(BEST_WORST, 0.0, 0.0, Optional.empty(), 1, PairsConfig.Eos.FINISHED_ONLY, 1.5);
        assertPair(run(k15, s), 0, 2, 0.8);                 // 0.8 > 1.5 · 0.5 = 0.75: kept
        PairsConfig k16 = new PairsConfig(BEST_WORST, 0.0, 0.0, Optional.empty(), 1, PairsConfig.Eos.FINISHED_ONLY, 1.6);
        Outcome dropped = run(k16, s);                      // 0.8 <= 1.6 · 0.5 = 0.8: dropped and counted
        assertEquals(List.of(), dropped.pairs());
        assertEquals(new Counts(1, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1), dropped.counts());
        PairsConfig all = new PairsConfig(ALL_PAIRS, 0.0, 0.0, Optional.empty(), 1, PairsConfig.Eos.FINISHED_ONLY, 1.3);
        Outcome a = run(all, s);                            // 1.3: (0,2) 0.8 > 0.65 kept; (0,1) 0.4 > 0.39 kept; (1,2) 0.4 <= 0.52 dropped
        assertEquals(List.of(List.of(0, 1), List.of(0, 2)), a.pairs().stream().map(p -> List.of(p.chosenIndex(), p.rejectedIndex())).toList());
        assertEquals(1, a.counts().uncertain());
        assertEquals(0, run(BEST_WORST, s).counts().uncertain());   // k = 0: every pair kept
    }

    @Test void anchoredPairsTheCurrentBestWithTheWorstInitialSample() {
        Sample[] s = {Sample.of(0, 0.6, 1), Sample.of(1, 0.8, 1), Sample.ofInitial(10, 0.3, 1), Sample.ofInitial(11, 0.1, 1),
                Sample.ofInitial(12, null, 1)};
        Outcome o = run(ANCHORED, s);
        assertPair(o, 1, 11, 0.7);
        assertEquals(new Counts(1, 5, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0), o.counts());
        // other strategies read only the current samples
        Outcome bw = run(BEST_WORST, s);
        assertPair(bw, 1, 0, 0.2);
        assertEquals(2, bw.counts().samples());
        // the current best below the worst initial sample: dropped, counted as reversed; equal: a tie
        assertEquals(1, run(ANCHORED, Sample.of(0, 0.2, 1), Sample.ofInitial(1, 0.3, 1), Sample.ofInitial(2, 0.9, 1)).counts().reversed());
        assertEquals(1, run(ANCHORED, Sample.of(0, 0.3, 1), Sample.ofInitial(1, 0.3, 1), Sample.ofInitial(2, 0.9, 1)).counts().tiesDropped());
        assertEquals(1, run(ANCHORED, Sample.of(0, 0.3, 1), Sample.of(1, 0.9, 1)).counts().tooFew());   // no initial samples
    }

    @Test void unpairedLabelsAreInclusiveAtTheThreshold() {
        Outcome o = run(UNPAIRED, scores(0.5, 0.49999999, 0.7, null, 0.0));
        assertEquals(List.of(new Labeled("p", 0, true), new Labeled("p", 1, false), new Labeled("p", 2, true), new Labeled("p", 4, false)),
                o.labeled());
        assertEquals(new Counts(1, 5, 1, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0), o.counts());
    }

    @Test void bestKeepsTheBestSampleAtOrAboveTheThreshold() {
        PairsConfig at = new PairsConfig(BEST, 0.0, 0.0, Optional.of(0.5), 1, PairsConfig.Eos.FINISHED_ONLY, 0.0);
        assertEquals(List.of(new SftTarget("p", 2)), run(at, scores(0.25, null, 0.5, 0.5)).sftTargets());
        Outcome below = run(at, scores(0.25, 0.375));
        assertEquals(List.of(), below.sftTargets());
        assertEquals(1, below.counts().belowThreshold());
        assertEquals(List.of(new SftTarget("p", 1)), run(BEST, scores(0.25, 0.375)).sftTargets());   // no threshold
    }

    /** ScPO's vote threshold: 8 samples, the most-voted answer has 4 votes (0.5); at 5/8 the prompt yields nothing. */
    @Test void bestWorstKeepsAPromptOnlyWhenItsChosenScoreReachesTheThreshold() {
        PairsConfig at = new PairsConfig(BEST_WORST, 0.0, 0.0, Optional.of(0.5), 1, PairsConfig.Eos.FINISHED_ONLY, 0.0);
        assertPair(run(at, scores(0.125, 0.5, 0.375, null, 0.5)), 1, 0, 0.375);   // the vote margin (4 − 1)/8
        PairsConfig above = new PairsConfig(BEST_WORST, 0.0, 0.0, Optional.of(0.625), 1, PairsConfig.Eos.FINISHED_ONLY, 0.0);
        Outcome below = run(above, scores(0.125, 0.5, 0.375, null, 0.5));
        assertEquals(List.of(), below.pairs());
        assertEquals(new Counts(1, 5, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0), below.counts());
        Counts tied = run(above, scores(0.5, 0.5)).counts();
        assertEquals(List.of(1, 0), List.of(tied.allTied(), tied.belowThreshold()), "a prompt whose samples all tie is counted as tied");
    }

    @Test void inputOrderDoesNotChangeTheResult() {
        List<Sample> s = new ArrayList<>(List.of(scores(9.0, 10.0, 0.0, 9.0, 3.0, 9.0, 9.0, 9.0, 9.0, 9.0, 10.0, 10.0, null)));
        for (Strategy st : ofSamples()) {
            Outcome sorted = run(st, s.toArray(Sample[]::new));
            Collections.shuffle(s, new Random(st.ordinal()));
            assertEquals(sorted, run(st, s.toArray(Sample[]::new)), st.name());
        }
    }

    @Test void aRoundSumsItsPromptsInOrder() {
        List<PromptSamples> round = List.of(new PromptSamples("a", List.of(scores(1.0, 0.0))), new PromptSamples("b", List.of(scores(1.0, 1.0))),
                new PromptSamples("c", List.of(scores(null, 0.5, 0.25))));
        Outcome o = new PairBuilder(config(BEST_WORST), 1).build(2, round);
        assertEquals(List.of("a", "c"), o.pairs().stream().map(Pair::promptId).toList());
        assertEquals(new Counts(3, 7, 1, 2, 0, 0, 0, 0, 0, 0, 1, 0, 0), o.counts());
    }

    @Test void badSamplesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new PromptSamples("p", List.of(Sample.of(1, 0.0, 1), Sample.ofInitial(1, 0.0, 1))));
        assertThrows(IllegalArgumentException.class, () -> Sample.of(0, Double.NaN, 1));
        assertThrows(IllegalArgumentException.class, () -> Sample.of(0, 1.0, -1));
    }
}
