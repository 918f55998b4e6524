package org.jpo.feedback;

import org.jpo.bandit.Intransitive;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** The game oracle by hand: kinds, every pair's probability with other, the scores it gives, exploitability. */
class PreferenceGameTest {
    /** The spec's game (spec/losses.md, "Intransitive preferences"), written out here rather than read from the defaults. */
    static final List<List<Double>> SPEC = List.of(List.of(0.5, 0.9, 0.3), List.of(0.1, 0.5, 0.8), List.of(0.7, 0.2, 0.5));
    static final PreferenceGame GAME = new PreferenceGame(List.of("dog", "cat", "bird"), SPEC);

    @Test void aCompletionsKindIsTheOneWordItContains() {
        assertEquals(0, GAME.kind("The dog ran home."));
        assertEquals(1, GAME.kind("A CAT sat."));                  // case is ignored
        assertEquals(2, GAME.kind("bird, bird and bird"));          // one word, however often
        assertEquals(3, GAME.kind("The dog saw a cat."));           // several words: other
        assertEquals(3, GAME.kind("Birds and hotdogs."));           // whole words only
        assertEquals(3, GAME.kind(""));
        assertEquals(3, GAME.other());
    }

    @Test void everyPairOfKindsHasItsProbabilityOtherIncluded() {
        double[][] expected = {
                {0.5, 0.9, 0.3, 1.0},
                {0.1, 0.5, 0.8, 1.0},
                {0.7, 0.2, 0.5, 1.0},
                {0.0, 0.0, 0.0, 0.5}};
        for (int a = 0; a < 4; a++) {
            for (int b = 0; b < 4; b++) {
                assertEquals(expected[a][b], GAME.prob(a, b), 0, "P(" + a + " > " + b + ")");
                assertEquals(1.0, GAME.prob(a, b) + GAME.prob(b, a), 0);
            }
        }
    }

    @Test void theDefaultMatrixIsTheSpecsGame() {
        assertEquals(List.of(List.of(0.5, 0.9, 0.3), List.of(0.1, 0.5, 0.8), List.of(0.7, 0.2, 0.5)),
                FeedbackConfigTest.BINDER.parse("t.yaml", "feedback: [{type: preference_model, game: {words: [a, b, c]}}]\n",
                        java.nio.file.Path.of("."), List.of()).feedback().get(0).scorer() instanceof PreferenceModelConfig c
                        ? c.game().orElseThrow().matrix() : null);
    }

    @Test void scoresAreMeanWinProbabilitiesAndStatsTheKind() {
        List<String> texts = List.of("a dog", "a cat", "a bird", "a dog and a cat", "nothing");
        List<Score> s = GAME.score(ScoreInput.of("p"), texts);
        assertEquals(java.util.Arrays.asList(null, 0.9, 0.3, 1.0, 1.0), s.get(0).winProbs());
        assertEquals(java.util.Arrays.asList(0.1, null, 0.8, 1.0, 1.0), s.get(1).winProbs());
        assertEquals(java.util.Arrays.asList(0.7, 0.2, null, 1.0, 1.0), s.get(2).winProbs());
        assertEquals(java.util.Arrays.asList(0.0, 0.0, 0.0, null, 0.5), s.get(3).winProbs());
        assertEquals(java.util.Arrays.asList(0.0, 0.0, 0.0, 0.5, null), s.get(4).winProbs());
        double[] means = {(0.9 + 0.3 + 1 + 1) / 4, (0.1 + 0.8 + 1 + 1) / 4, (0.7 + 0.2 + 1 + 1) / 4, 0.5 / 4, 0.5 / 4};
        for (int i = 0; i < 5; i++) {
            assertEquals(means[i], s.get(i).value(), 1e-15, "completion " + i);
            assertEquals("preference_model:game", s.get(i).scorer());
            assertEquals(String.valueOf(i), s.get(i).completionRef());
        }
        assertEquals(Map.of("kind_1", 1.0, "kind_2", 0.0, "kind_3", 0.0, "kind_other", 0.0), s.get(0).stats());
        assertEquals(Map.of("kind_1", 0.0, "kind_2", 0.0, "kind_3", 1.0, "kind_other", 0.0), s.get(2).stats());
        assertEquals(Map.of("kind_1", 0.0, "kind_2", 0.0, "kind_3", 0.0, "kind_other", 1.0), s.get(3).stats());
        assertTrue(GAME.pairwise());
    }

    @Test void aSingleCompletionIsMissingWithItsKind() {
        Score s = GAME.score(ScoreInput.of("p"), List.of("a cat")).get(0);
        assertTrue(s.isMissing());
        assertEquals("a preference model compares a prompt's completions with each other; this prompt has 1", s.details());
        assertEquals(1.0, s.stats().get("kind_2"));
    }

    @Test void exploitabilityIsTheBestRepliesMarginOtherIncluded() {
        double[][] m = SPEC.stream().map(r -> r.stream().mapToDouble(Double::doubleValue).toArray()).toArray(double[][]::new);
        assertEquals(0, PreferenceGame.exploitability(new double[] {1.0 / 3, 2.0 / 9, 4.0 / 9, 0}, m), 1e-15);   // the Nash
        assertEquals(1.0 / 15, PreferenceGame.exploitability(new double[] {1.0 / 3, 1.0 / 3, 1.0 / 3, 0}, m), 1e-15);
        assertEquals(0.5, PreferenceGame.exploitability(new double[] {0, 0, 0, 1}, m), 0);     // all other: any kind beats it
        // π = (½, 0, 0, ½): kind 3 gets (0.7 − ½)·½ + (1 − ½)·½ = 0.35, kind 1 0.25, kind 2 0.05, other −0.25
        assertEquals(0.35, PreferenceGame.exploitability(new double[] {0.5, 0, 0, 0.5}, m), 1e-15);
        assertEquals(0.35, GAME.exploitability(new double[] {0.5, 0, 0, 0.5}), 1e-15);
        SplittableRandom rng = new SplittableRandom(5);
        for (int t = 0; t < 100; t++) {   // with other's share 0 it is the bandit's exploitability of the 3-kind game
            double a = rng.nextDouble(), b = rng.nextDouble() * (1 - a);
            double[] pi = {a, b, 1 - a - b};
            assertEquals(Intransitive.exploitability(pi), PreferenceGame.exploitability(new double[] {pi[0], pi[1], pi[2], 0}, m), 1e-15);
        }
    }

    /**
     * BT + DPO's reward: the maximum-likelihood Bradley–Terry scores of the spec's game (kind 1 above the tied 2 and 3, as the
     * bandit's fit finds), other one below the lowest; its stationarity condition Σ_j P(i≻j) = Σ_j σ(s_i − s_j) holds.
     */
    @Test void bradleyTerryRewardsAreTheMaximumLikelihoodFit() {
        PreferenceGame bt = new PreferenceGame(List.of("dog", "cat", "bird"), SPEC, true);
        double[] r = bt.bradleyTerryRewards();
        assertArrayEquals(new double[] {0.27031007207210933, -0.13515503603605467, -0.13515503603605467, -1.13515503603605467}, r, 1e-12);
        for (int i = 0; i < 3; i++) {
            double wins = 0, fitted = 0;
            for (int j = 0; j < 3; j++) {
                if (i == j) continue;
                wins += SPEC.get(i).get(j);
                fitted += 1 / (1 + Math.exp(-(r[i] - r[j])));
            }
            assertEquals(wins, fitted, 1e-12);
        }
        List<Score> s = bt.score(ScoreInput.of("p"), List.of("a cat", "a dog", "a dog and a cat"));
        assertEquals(List.of(r[1], r[0], r[3]), s.stream().map(Score::value).toList());
        assertNull(s.get(0).winProbs());
        assertFalse(bt.pairwise());
        assertTrue(GAME.pairwise());
    }

    /** An eval's kind shares from the one-hot counts, and the exploitability of that distribution, by hand. */
    @Test void anEvalIsSummarizedAsKindSharesAndExploitability() {
        List<Score> s = GAME.score(ScoreInput.of("p"), List.of("dog", "dog", "cat", "the dog and the cat"));
        Map<String, Double> m = GAME.summarize(s.stream().map(Score::stats).toList());
        assertEquals(List.of("game/kind_1", "game/kind_2", "game/kind_3", "game/kind_other", "game/exploitability"), List.copyOf(m.keySet()));
        assertEquals(List.of(0.5, 0.25, 0.0, 0.25), List.of(m.get("game/kind_1"), m.get("game/kind_2"), m.get("game/kind_3"), m.get("game/kind_other")));
        // margins of kinds 1, 2, 3 and other against (½, ¼, 0, ¼): kind 3 (bird) beats dog 0.7 and loses to cat 0.2
        double bird = (0.7 - 0.5) * 0.5 + (0.2 - 0.5) * 0.25 + 0.5 * 0.25, dog = 0 + 0.4 * 0.25 + 0.5 * 0.25;
        assertEquals(Math.max(bird, dog), m.get("game/exploitability"), 1e-15);
        assertEquals(0.225, m.get("game/exploitability"), 1e-15);
        assertEquals(Map.of(), GAME.summarize(List.of()));
    }
}
