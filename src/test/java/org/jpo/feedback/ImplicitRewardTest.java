package org.jpo.feedback;

import org.jpo.UserError;
import org.jpo.model.Checkpoints;
import org.jpo.model.Transformer;
import org.jpo.sampling.Completion;
import org.jpo.sampling.LocalSampler;
import org.jpo.sampling.Prompt;
import org.jpo.sampling.SamplingParams;
import org.jpo.testing.Shared;
import org.jpo.tokenizer.Tokenizer;
import org.jpo.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/**
 * β·(log π − log π_ref) on stories260K against a reference with all weights 0, whose next-token distribution is uniform,
 * so log π_ref(y) = −|y|·log V; log π comes from the sampler's own per-token log-probs (KV-cache decoding, another
 * code path than the scorer's full forward).
 */
class ImplicitRewardTest {
    /**
     * float32 forwards round in proportion to the reward (about 6 here): batches of 2 vs 16 differed by at most 1.7e-7
     * of the reward (1.05e-6 on 6.23), the scorer vs the sampler's log-probs within the same bound.
     */
    static final double TOLERANCE = 1e-6;

    private static double tolerance(double value) { return TOLERANCE * Math.max(1, Math.abs(value)); }
    @TempDir Path dir;

    @Test void theRewardIsBetaTimesTheLogRatioOfPolicyAndReference() {
        Path refDir = dir.resolve("ref");
        try (Transformer policy = Checkpoints.load(Shared.stories260K()); Tokenizer tok = Tokenizers.open(Shared.tok512())) {
            try (Transformer zeros = Transformer.random(policy.config(), 5); var g = new org.bytedeco.pytorch.NoGradGuard()) {
                zeros.parameters().values().forEach(org.bytedeco.pytorch.Tensor::zero_);
                Checkpoints.save(zeros, refDir, List.of());
            }
            String prompt = "Once upon a time";
            int[] ids = tok.encode(prompt, true);
            List<Completion> cs = new LocalSampler(policy, LocalSampler.stopIds(policy, tok), 8)
                    .sample(List.of(new Prompt(0, ids)), new SamplingParams(5, 12, 1.0, 0, 1.0, false, 3));
            List<String> texts = new ArrayList<>();
            List<Completion> exact = new ArrayList<>();   // samples whose text re-encodes to the sampled ids, without a stop token
            for (Completion c : cs) {
                String text = tok.decodeContinuation(ids, c.tokenIds());
                if (Arrays.equals(tok.encodeContinuation(prompt, ids, text, true), c.tokenIds())) exact.add(c);
                texts.add(text);
            }
            assertTrue(exact.size() >= 3, exact.size() + " of 5 samples re-encode exactly");
            ScorerContext ctx = new ScorerContext(Optional.empty(), Optional.of(new ScorerContext.Policy(() -> policy, tok)));
            List<Score> half, tenth, batched, swapped;
            try (ImplicitRewardScorer s = new ImplicitRewardConfig(refDir, 0.1, 2).open(ctx)) {
                tenth = s.score(ScoreInput.of(prompt), texts);
            }
            try (ImplicitRewardScorer s = new ImplicitRewardConfig(refDir, 0.5, 2).open(ctx)) {
                half = s.score(ScoreInput.of(prompt), texts);
            }
            try (ImplicitRewardScorer s = new ImplicitRewardConfig(refDir, 0.1, 16).open(ctx)) {
                batched = s.score(ScoreInput.of(prompt), texts);
            }
            try (Transformer ref = Checkpoints.load(refDir)) {
                ScorerContext refAsPolicy = new ScorerContext(Optional.empty(), Optional.of(new ScorerContext.Policy(() -> ref, tok)));
                Path policyDir = dir.resolve("policy");
                Checkpoints.save(policy, policyDir, List.of());
                try (ImplicitRewardScorer s = new ImplicitRewardConfig(policyDir, 0.1, 2).open(refAsPolicy)) {
                    swapped = s.score(ScoreInput.of(prompt), texts);
                }
            }
            for (int i = 0; i < texts.size(); i++) {
                assertEquals(5 * tenth.get(i).value(), half.get(i).value(), 1e-12, "β scales the reward, sample " + i);
                assertEquals(tenth.get(i).value(), batched.get(i).value(), tolerance(tenth.get(i).value()), "batches of 2 and of 16, sample " + i);
                assertEquals(-tenth.get(i).value(), swapped.get(i).value(), 0, "swapping policy and reference flips it, sample " + i);
            }
            double logV = Math.log(policy.config().vocabSize());
            for (Completion c : exact) {
                double expected = 0.1 * (c.logp() + c.tokenIds().length * logV);
                assertEquals(expected, tenth.get(c.sampleIndex()).value(), tolerance(expected), "sample " + c.sampleIndex());
            }
        }
    }
}
