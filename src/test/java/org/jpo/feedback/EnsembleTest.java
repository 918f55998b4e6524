package org.jpo.feedback;

import org.jpo.config.Binder;
import org.jpo.config.Key;
import org.jpo.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** An ensemble's weighted mean and spread by hand, and how it enters the combined score's spread. */
class EnsembleTest {
    record Loop(@Key(required = true, doc = "scorers") List<FeedbackItem> feedback) {}

    static final Binder<Loop> BINDER = new Binder<>(Loop.class, "loop", "loop --keys");
    @TempDir Path dir;

    static final FeedbackItem PARK = new FeedbackItem(1.0, new ContainsVerifier(List.of("park")));
    static final FeedbackItem DOG = new FeedbackItem(3.0, new ContainsVerifier(List.of("dog")));
    static final FeedbackItem MATH = new FeedbackItem(1.0, new MathVerifier());

    @Test void theScoreIsTheWeightedMeanAndTheStdTheWeightedPopulationSpread() {
        try (Feedback f = Feedback.open(List.of(new FeedbackItem(2.0, new EnsembleConfig(List.of(PARK, DOG)))))) {
            List<Feedback.Scored> s = f.score(ScoreInput.of("q"), List.of("a dog in the park", "a dog", "a park", "home"));
            // park=1 dog=1: μ = (1·1 + 3·1)/4 = 1, σ = 0;  park=0 dog=1: μ = 3/4, σ² = (1·(0.75)² + 3·(0.25)²)/4 = 0.1875
            // park=1 dog=0: μ = 1/4, σ² = (1·(0.75)² + 3·(0.25)²)/4 = 0.1875;  none: μ = 0, σ = 0
            Score part = s.get(1).parts().get(0);
            assertEquals(List.of(1.0, 0.75, 0.25, 0.0), s.stream().map(x -> x.parts().get(0).value()).toList());
            assertEquals(List.of(0.0, Math.sqrt(0.1875), Math.sqrt(0.1875), 0.0), s.stream().map(x -> x.parts().get(0).std()).toList());
            assertEquals("ensemble(contains:park,contains:dog)", part.scorer());
            assertEquals("contains:park=0.0, contains:dog=1.0", part.details());
            // the combined score weighs the ensemble by 2: value 2μ, spread 2σ
            assertEquals(1.5, s.get(1).value());
            assertEquals(2 * Math.sqrt(0.1875), s.get(1).std(), 1e-15);
        }
    }

    @Test void theCombinedSpreadAddsVariancesAndIsAbsentWithoutSpread() {
        FeedbackItem ens = new FeedbackItem(1.0, new EnsembleConfig(List.of(PARK, new FeedbackItem(1.0, new ContainsVerifier(List.of("dog"))))));
        FeedbackItem other = new FeedbackItem(2.0, new EnsembleConfig(List.of(PARK, new FeedbackItem(1.0, new AvoidsVerifier(List.of("park"))))));
        try (Feedback f = Feedback.open(List.of(ens, other)); Feedback plain = Feedback.open(List.of(PARK))) {
            Feedback.Scored s = f.score(ScoreInput.of("q"), List.of("a park")).get(0);
            // ens: park 1, dog 0 → σ = 0.5; other: park 1, avoids park 0 → σ = 0.5, weight 2: sqrt(0.5² + 2²·0.5²)
            assertEquals(Math.sqrt(0.25 + 4 * 0.25), s.std(), 1e-15);
            assertNull(plain.score(ScoreInput.of("q"), List.of("a park")).get(0).std());
        }
    }

    @Test void aMissingMemberMakesTheEnsembleMissingWithItsReason() {
        try (Feedback f = Feedback.open(List.of(new FeedbackItem(1.0, new EnsembleConfig(List.of(PARK, MATH)))))) {
            assertEquals(List.of("answer"), f.requiredFields());
            Feedback.Scored s = f.score(ScoreInput.of("q"), List.of("5 in the park")).get(0);
            assertTrue(s.isMissing());
            assertEquals("ensemble(contains:park,math): member math: the row has no 'answer' field", s.missingReason());
            assertEquals(java.util.Map.of("members", 2.0), s.parts().get(0).stats());
        }
    }

    /** A judge inside an ensemble: its counts stay on the ensemble's score under its name, missing or not. */
    @Test void aMembersStatsAreKeptUnderItsName() {
        try (FakeJudge server = new FakeJudge(JudgeTest::recorded)) {
            JudgeConfig judge = JudgeTest.config(server.url(), JudgeApi.CHAT, java.util.Optional.empty());
            try (Feedback f = Feedback.open(List.of(new FeedbackItem(1.0, new EnsembleConfig(List.of(PARK, new FeedbackItem(1.0, judge))))))) {
                List<Feedback.Scored> s = f.score(ScoreInput.of("q"), List.of("GOOD park", "GARBAGE"));
                String member = "judge:" + judge.model() + "/";
                java.util.Map<String, Double> good = s.get(0).parts().get(0).stats(), garbage = s.get(1).parts().get(0).stats();
                assertEquals(3.0, good.get(member + "judgments"));
                assertEquals(3.0, good.get(member + "votes/5"));
                assertTrue(s.get(1).isMissing());
                assertEquals(3.0, garbage.get(member + "unparsed"), garbage.toString());
            }
        }
    }

    @Test void membersBindFromYamlAndOneMemberIsAnError() {
        Loop loop = BINDER.parse("t.yaml", """
                feedback:
                  - type: ensemble
                    weight: 2.0
                    members:
                      - {type: contains, words: [park]}
                      - {type: contains, words: [dog], weight: 3.0}
                """, dir, List.of());
        assertEquals(List.of(new FeedbackItem(2.0, new EnsembleConfig(List.of(PARK, DOG)))), loop.feedback());
        String message = assertThrows(UserError.class, () -> BINDER.parse("t.yaml",
                "feedback:\n  - {type: ensemble, members: [{type: math}]}\n", dir, List.of())).getMessage();
        assertTrue(message.contains("members") && message.contains("at least two"), message);
    }
}
