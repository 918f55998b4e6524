package org.jpo.feedback;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.bytedeco.javacpp.PointerScope;
import org.jpo.UserError;
import org.jpo.model.RewardModel;
import org.jpo.model.Transformer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/** The combined score by hand: Σ weight_i · score_i, missing when any part is, and the row fields the scorers need. */
class FeedbackTest {
    static final FeedbackItem PARK = new FeedbackItem(1.0, new ContainsVerifier(List.of("park")));
    static final FeedbackItem MATH = new FeedbackItem(2.0, new MathVerifier());

    @TempDir Path tmp;

    static ScoreInput row(String answer) {
        ObjectNode row = JsonNodeFactory.instance.objectNode();
        if (answer != null) row.put("answer", answer);
        return new ScoreInput("q", row);
    }

    @Test void theCombinedScoreIsTheWeightedSum() {
        try (Feedback f = Feedback.open(List.of(PARK, MATH))) {
            assertEquals(List.of("contains:park", "math"), f.scorerNames());
            List<Feedback.Scored> s = f.score(row("5"), List.of("in the park, 4", "in the park, 5", "at home, 5", "home"));
            // contains 1.0·1 + math 2.0·0 = 1.0;  1.0·1 + 2.0·1 = 3.0;  1.0·0 + 2.0·1 = 2.0;  0 + 0 = 0.0
            assertEquals(List.of(1.0, 3.0, 2.0, 0.0), s.stream().map(Feedback.Scored::value).toList());
            assertEquals(List.of("contains:park", "math"), s.get(0).parts().stream().map(Score::scorer).toList());
            assertEquals(0.0, s.get(0).parts().get(1).value());
            assertFalse(s.get(0).isMissing());
            assertNull(s.get(0).missingReason());
        }
    }

    @Test void aMissingPartMakesTheCombinedScoreMissingWithItsReason() {
        try (Feedback f = Feedback.open(List.of(PARK, MATH))) {
            Feedback.Scored s = f.score(row(null), List.of("in the park, 5")).get(0);
            assertTrue(s.isMissing());
            assertNull(s.value());
            assertEquals("math: the row has no 'answer' field", s.missingReason());
            assertEquals(1.0, s.parts().get(0).value());   // the parts that could score are kept
        }
        assertThrows(IllegalArgumentException.class, () -> new Feedback.Scored(1.0, List.of(Score.missing("0", "math", "no answer"))));
    }

    @Test void requiredFieldsAreTheFieldsTheScorersRead() {
        try (Feedback f = Feedback.open(List.of(PARK, MATH))) {
            assertEquals(List.of("answer"), f.requiredFields());
        }
        FeedbackItem solution = new FeedbackItem(1.0, new MathVerifier("solution"));
        try (Feedback f = Feedback.open(List.of(solution, PARK, MATH, solution))) {
            assertEquals(List.of("solution", "answer"), f.requiredFields());
        }
        try (Feedback f = Feedback.open(List.of(PARK))) {
            assertEquals(List.of(), f.requiredFields());
        }
    }

    @Test void anEmptyListAndABadWeightAreRejected() {
        assertThrows(UserError.class, () -> Feedback.open(List.of()));
        for (double w : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThrows(UserError.class, () -> new FeedbackItem(w, new MathVerifier()), "weight " + w);
        }
    }

    @Test void aRewardModelCountsWithItsWeight() {
        Path dir = tmp.resolve("rm");
        try (PointerScope scope = new PointerScope(); Transformer base = Transformer.random(RewardModelScorerTest.CONFIG, 21);
             RewardModel rm = RewardModel.fromPolicy(base, 22)) {
            rm.save(dir, List.of(RewardModelScorerTest.resource("template/tokenizer.json"),
                    RewardModelScorerTest.resource("template/tokenizer_config.json")));
        }
        List<String> completions = List.of(" c", "c c");
        List<Score> rewards;
        try (RewardModelScorer alone = RewardModelScorer.open(dir, Optional.empty(), 1)) {
            rewards = alone.score(ScoreInput.of("ab"), completions);
        }
        FeedbackItem rm = new FeedbackItem(0.5, new RewardModelConfig(dir, Optional.empty(), 2));
        Feedback f = Feedback.open(List.of(rm, new FeedbackItem(1.0, new ContainsVerifier(List.of("c")))));
        try {
            assertEquals(List.of("reward_model:" + dir, "contains:c"), f.scorerNames());
            List<Feedback.Scored> s = f.score(ScoreInput.of("ab"), completions);
            for (int i = 0; i < 2; i++) assertEquals(0.5 * rewards.get(i).value() + 1.0, s.get(i).value(), 1e-6, "completion " + i);
        } finally {
            f.close();
            f.close();   // a second close frees nothing twice
        }
    }
}
