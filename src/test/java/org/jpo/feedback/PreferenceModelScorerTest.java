package org.jpo.feedback;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.jpo.UserError;
import org.jpo.model.ModelConfig;
import org.jpo.model.PreferenceModel;
import org.jpo.model.Transformer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.jpo.tensor.Tensors.toDoubles;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code preference_model}'s sources as scorers: a model at {@code path} (random weights, the hand-written tokenizer of
 * {@link RewardModelScorerTest}: {@code <s>}=1 {@code </s>}=2 ▁ab=11 ▁c=12 c=8) and the pairwise judge under its own name.
 */
class PreferenceModelScorerTest {
    /** A context window of 12: a pair with the 8-token completion below does not fit. */
    static final ModelConfig CONFIG = ModelConfig.llama(14, 16, 1, 2, 2, 24, 12);

    @TempDir Path tmp;
    Path dir;

    @BeforeEach void save() {
        dir = tmp.resolve("pm");
        try (PointerScope scope = new PointerScope(); Transformer base = Transformer.random(CONFIG, 31);
             PreferenceModel pm = PreferenceModel.fromPolicy(base, 32, 1)) {
            pm.save(dir, List.of(RewardModelScorerTest.resource("template/tokenizer.json"), RewardModelScorerTest.resource("template/tokenizer_config.json")));
        }
    }

    /** "ab" + " c" is <s> ▁ab | ▁c </s>, "ab" + "c" is <s> ▁ab | c </s>: the scorer's P is σ of the model's logit on those ids. */
    @Test void probabilitiesAreTheModelsOnTheTrainingTokenization() {
        double d;
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard(); PreferenceModel pm = PreferenceModel.load(dir)) {
            d = toDoubles(pm.logits(List.of(new int[] {1, 11}), List.of(new int[] {12, 2}), List.of(new int[] {8, 2})))[0];
        }
        try (PreferenceModelScorer s = PreferenceModelScorer.open(dir, Optional.empty(), 4)) {
            assertEquals("preference_model:" + dir, s.name());
            assertTrue(s.pairwise());
            Double[][] p = s.probabilities("ab", List.of(" c", "c"));
            assertEquals(1 / (1 + Math.exp(-d)), p[0][1], 1e-6);
            assertEquals(1.0, p[0][1] + p[1][0], 0);
            assertNull(p[0][0]);
        }
    }

    /** Every pair in both orders, however the pairs are batched; a pair over the context window is unknown, never ½. */
    @Test void batchesGiveTheSameAnswerAndTooLongPairsAreUnknown() {
        List<String> texts = List.of(" c", "c", " ab", "ab c", " c c c c c c c");   // the last: 8 tokens with EOS
        try (PreferenceModelScorer one = PreferenceModelScorer.open(dir, Optional.empty(), 1);
             PreferenceModelScorer all = PreferenceModelScorer.open(dir, Optional.empty(), 32)) {
            List<Score> a = one.score(ScoreInput.of("ab"), texts), b = all.score(ScoreInput.of("ab"), texts);
            for (int i = 0; i < 4; i++) {
                assertEquals(3.0, a.get(i).stats().get("pairs"));
                assertNull(a.get(i).winProbs().get(4), "the long completion's pairs do not fit");
                double sum = 0;
                for (int j = 0; j < 4; j++) {
                    if (j == i) continue;
                    assertEquals(a.get(i).winProbs().get(j), b.get(i).winProbs().get(j), 1e-6);
                    assertEquals(1.0, a.get(i).winProbs().get(j) + a.get(j).winProbs().get(i), 0);
                    sum += a.get(i).winProbs().get(j);
                }
                assertEquals(sum / 3, a.get(i).value(), 1e-15);
            }
            Score tooLong = a.get(4);
            assertTrue(tooLong.isMissing());
            assertEquals("with every other completion of the prompt it is longer than the preference model's context window of 12 tokens "
                    + "(prompt + both completions + separator)", tooLong.details());
            Score alone = one.score(ScoreInput.of("ab"), List.of(" c")).get(0);
            assertEquals("a preference model compares a prompt's completions with each other; this prompt has 1", alone.details());
        }
    }

    @Test void theJudgeSourceIsThePairwiseJudgeUnderThePreferenceModelsName() {
        try (FakeJudge server = new FakeJudge(PairwiseJudgeTest::unbiased)) {
            List<String> texts = List.of("Q3 best", "Q1 worst", "Q2 middle");
            Scorer judge = new PreferenceModelConfig(Optional.empty(), Optional.empty(), 32, Optional.of(PairwiseJudgeTest.config(server.url(), 0)),
                    Optional.empty()).open(ScorerContext.NONE);
            assertTrue(judge.pairwise());
            List<Score> s = judge.score(ScoreInput.of(PairwiseJudgeTest.PROMPT), texts);
            assertEquals(List.of("preference_model:fake-judge"), s.stream().map(Score::scorer).distinct().toList());
            assertEquals(java.util.Arrays.asList(null, 1.0, 1.0), s.get(0).winProbs());
            assertEquals(java.util.Arrays.asList(0.0, 1.0, null), s.get(2).winProbs());
            assertEquals(List.of(1.0, 0.0, 0.5), s.stream().map(Score::value).toList());
            UserError two = assertThrows(UserError.class, () -> Feedback.open(List.of(new FeedbackItem(1.0, PairwiseJudgeTest.config(server.url(), 0)),
                    new FeedbackItem(1.0, new PreferenceModelConfig(Optional.empty(), Optional.empty(), 32, Optional.empty(),
                            Optional.of(PreferenceGameTest.GAME))))));
            assertTrue(two.getMessage().contains("at most one"), two.getMessage());
        }
    }
}
