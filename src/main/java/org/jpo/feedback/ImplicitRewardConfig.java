package org.jpo.feedback;

import org.jpo.UserError;
import org.jpo.config.Check;
import org.jpo.config.Key;
import org.jpo.config.Tag;
import org.jpo.model.Checkpoints;

import java.nio.file.Path;

/**
 * {@code implicit_reward}: the DPO implicit reward of the policy being trained, β·(log π(y|x) − log π_ref(y|x)), as the
 * score; DICE (arXiv:2406.09760) bootstraps a DPO-tuned model's next round of pairs from it, with no external feedback.
 */
@Tag(value = "implicit_reward", doc = "β·(log π − log π_ref) of the current policy against a reference model (DICE, arXiv:2406.09760).")
public record ImplicitRewardConfig(
        @Key(required = true, doc = "The reference model π_ref: the model the starting policy was DPO-trained from (HF directory or "
                + "llama2.c .bin). Required.") Path reference,
        @Key(value = "0.1", doc = "β, the DPO temperature the policy was trained with, > 0.") double beta,
        @Key(value = "16", doc = "Sequences per forward pass.") int batchSize) implements ScorerConfig {

    public ImplicitRewardConfig {
        Check.exists("reference", reference, false);
        Check.positive("beta", beta);
        Check.atLeast("batch_size", batchSize, 1);
    }

    /** Loads the reference; the policy is the run's, read each time the scorer is called. */
    @Override public ImplicitRewardScorer open(ScorerContext context) {
        ScorerContext.Policy policy = context.policy().orElseThrow(() -> new UserError(
                "implicit_reward scores with the policy being trained, so it works only inside jpo run"));
        return new ImplicitRewardScorer(policy, Checkpoints.load(reference), reference.toString(), beta, batchSize);
    }
}
