package org.jpo.feedback;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.jpo.UserError;
import org.jpo.model.ModelConfig;
import org.jpo.model.RewardModel;
import org.jpo.model.SequenceBatch;
import org.jpo.model.Transformer;
import org.jpo.tokenizer.HfTokenizer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.jpo.tensor.Tensors.toDoubles;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The scorer on the hand-written Llama-style tokenizer {@code tokenizers/template} (see HfTokenizerTest):
 * {@code <s>}=1 {@code </s>}=2, ▁a=9 ab=10 ▁ab=11 ▁c=12 c=8, merges "▁ a", "a b", "▁a b", "▁ c", "b c";
 * BOS added with special tokens, EOS never.
 */
class RewardModelScorerTest {
    /** Vocabulary 14 = the tokenizer's; a context window of 8 tokens to make "too long" easy to reach. */
    static final ModelConfig CONFIG = ModelConfig.llama(14, 16, 1, 2, 2, 24, 8);

    @TempDir Path tmp;
    RewardModelScorer scorer;
    RewardModel reference;   // the same weights, loaded separately, for the expected values

    static Path resource(String name) {
        try {
            return Path.of(RewardModelScorerTest.class.getResource("/tokenizers/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeEach void open() {
        Path dir = tmp.resolve("rm");
        try (PointerScope scope = new PointerScope(); Transformer base = Transformer.random(CONFIG, 21);
             RewardModel rm = RewardModel.fromPolicy(base, 22)) {
            rm.save(dir, List.of(resource("template/tokenizer.json"), resource("template/tokenizer_config.json")));
        }
        scorer = RewardModelScorer.open(dir, Optional.empty(), 2);
        reference = RewardModel.load(dir);
    }

    @AfterEach void close() {
        scorer.close();
        reference.close();
    }

    @Test void tokensFollowTheTrainingConvention() {
        // "a"+"b" encodes jointly as <s> ▁ab: the merged token belongs to the completion, then EOS
        assertTokens(new int[] {1}, new int[] {11, 2}, scorer.tokens("a", "b"));
        // "ab"+" c": <s> ▁ab | ▁c </s>
        assertTokens(new int[] {1, 11}, new int[] {12, 2}, scorer.tokens("ab", " c"));
        // "ab"+"c" is "abc" = <s> ▁ab c: c (8) without the ▁
        assertTokens(new int[] {1, 11}, new int[] {8, 2}, scorer.tokens("ab", "c"));
        // empty prompt: BOS alone is the context; empty completion: EOS alone
        assertTokens(new int[] {1}, new int[] {12, 2}, scorer.tokens("", "c"));
        assertTokens(new int[] {1, 11, 12}, new int[] {2}, scorer.tokens("ab c", ""));
    }

    private static void assertTokens(int[] prompt, int[] completion, RewardModelScorer.Tokens t) {
        assertArrayEquals(prompt, t.prompt(), "prompt");
        assertArrayEquals(completion, t.completion(), "completion");
    }

    @Test void aRowLongerThanTheContextWindowIsAUserError() {
        // <s> then "▁c" × 7 then </s>: 9 tokens > 8
        UserError e = assertThrows(UserError.class, () -> scorer.tokens("", " c c c c c c c".strip()));
        assertTrue(e.getMessage().contains("9 tokens (prompt 1, completion 8) exceed the reward model's context window of 8"), e.getMessage());
    }

    @Test void scoresAreTheModelsRewardsOnTheHandWorkedIdsInOrder() {
        List<String> completions = List.of("b", " c", "c", " c c");
        List<Score> scores = scorer.score(ScoreInput.of("ab"), completions);
        // the prompt "ab" is <s> ▁ab; "abb" is <s> ▁ab b, "ab c" <s> ▁ab ▁c, "abc" <s> ▁ab c, "ab c c" <s> ▁ab ▁c ▁c
        int[][] prompts = {{1, 11}, {1, 11}, {1, 11}, {1, 11}};
        int[][] expectedCompletions = {{7, 2}, {12, 2}, {8, 2}, {12, 12, 2}};
        double[] expected = new double[4];
        for (int i = 0; i < 4; i++) expected[i] = alone(prompts[i], expectedCompletions[i]);
        assertEquals(4, scores.size());
        for (int i = 0; i < 4; i++) {
            Score s = scores.get(i);
            assertEquals(String.valueOf(i), s.completionRef());
            assertEquals(scorer.name(), s.scorer());
            assertEquals(expected[i], s.value(), 1e-5, "completion " + i);
        }
        assertTrue(scorer.name().startsWith("reward_model:") && scorer.name().endsWith("rm"), scorer.name());
    }

    @Test void aTooLongCompletionGetsAMissingScoreWithTheReasonAndTheOthersStillScore() {
        List<Score> scores = scorer.score(ScoreInput.of("ab"), List.of("b", " c c c c c c c", "c"));
        assertFalse(scores.get(0).isMissing());
        assertTrue(scores.get(1).isMissing());
        assertNull(scores.get(1).value());
        assertTrue(scores.get(1).details().contains("context window of 8"), scores.get(1).details());
        assertEquals(alone(new int[] {1, 11}, new int[] {8, 2}), scores.get(2).value(), 1e-5);
        assertEquals("2", scores.get(2).completionRef());
    }

    @Test void batchingDoesNotChangeRewards() {
        List<RewardModelScorer.Tokens> rows = List.of(scorer.tokens("a", "b"), scorer.tokens("ab c", " c c"),
                scorer.tokens("", "c"), scorer.tokens("abc", ""), scorer.tokens("c", " ab ab"));
        double[] batched = scorer.rewards(rows);   // batches of 2, 2, 1
        for (int i = 0; i < rows.size(); i++) {
            assertEquals(alone(rows.get(i).prompt(), rows.get(i).completion()), batched[i], 1e-5, "row " + i);
        }
    }

    @Test void aMissingScoreNeedsAReasonAndAValueMustBeFinite() {
        assertThrows(IllegalArgumentException.class, () -> new Score("0", "s", null, " "));
        assertThrows(IllegalArgumentException.class, () -> Score.of("0", "s", Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Score.of("0", "", 1.0));
        assertEquals(1.5, Score.of("0", "s", 1.5).value());
    }

    /** The reference model's reward of one row in a batch of its own. */
    private double alone(int[] prompt, int[] completion) {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            return toDoubles(reference.rewards(SequenceBatch.of(List.of(prompt), List.of(completion), 0)))[0];
        }
    }

    @Test void aTokenizerLargerThanTheModelIsRejected() {
        try (PointerScope scope = new PointerScope(); Transformer base = Transformer.random(ModelConfig.llama(10, 16, 1, 2, 2, 24, 8), 1)) {
            RewardModel small = RewardModel.fromPolicy(base, 1);
            HfTokenizer tok = HfTokenizer.load(resource("template/tokenizer.json"));
            UserError e = assertThrows(UserError.class, () -> new RewardModelScorer(small, tok, 4, "small"));
            assertTrue(e.getMessage().contains("tokenizer has 14 tokens") && e.getMessage().contains("vocabulary of 10"), e.getMessage());
            small.close();
            tok.close();
        }
    }
}
