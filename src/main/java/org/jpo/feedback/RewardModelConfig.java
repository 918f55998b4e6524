package org.jpo.feedback;

import org.jpo.config.Check;
import org.jpo.config.Key;
import org.jpo.config.Tag;

import java.nio.file.Path;
import java.util.Optional;

/** {@code reward_model}: a trained reward model's r(prompt, completion) as the score ({@link RewardModelScorer}). */
@Tag(value = "reward_model", doc = "The reward r(prompt, completion) of a model trained with jpo train, method: reward.")
public record RewardModelConfig(
        @Key(required = true, doc = "The reward model's directory (jpo train with method: reward, or an HF *ForSequenceClassification with one label).")
        Path path,
        @Key(doc = "tokenizer.json or a llama2.c tokenizer .bin; null = the one in the reward model's directory.") Optional<Path> tokenizer,
        @Key(value = "16", doc = "Sequences per forward pass.") int batchSize) implements ScorerConfig {

    public RewardModelConfig {
        // checked here so that a typo fails when the config is read, not after the first round's sampling
        Check.exists("path", path, false);
        if (tokenizer == null) tokenizer = Optional.empty();
        tokenizer.ifPresent(t -> Check.exists("tokenizer", t, true));
        Check.atLeast("batch_size", batchSize, 1);
    }

    /** Loads the model: the returned scorer owns its native memory until closed. */
    @Override public RewardModelScorer open(ScorerContext context) { return RewardModelScorer.open(path, tokenizer, batchSize); }
}
