package org.jpo.train;

import org.jpo.config.Inline;
import org.jpo.config.Reads;
import org.jpo.data.DataOptions;
import org.jpo.loss.LossConfig;
import org.jpo.model.LoraConfig;

/**
 * {@code jpo run}'s {@code train:} section: every {@code jpo train} key that a round's training reads, with jpo train's
 * defaults ({@link TrainConfig#forRound} makes the round's config of them). The keys the loop sets itself are not
 * here: method (from pairs.strategy: unpaired → kto, best → sft, else dpo), model (the round's starting policy),
 * train_file (the round's rows), reference (the loop's reference:), output_dir (round-NNN/train) and seed (derived
 * from the run seed and the round).
 */
public record RoundKeys(
        @Inline("Data") DataOptions data,
        @Inline("Optimizer, schedule and batch sizes") TrainConfig.Optimization opt,
        @Inline("Logging and in-round checkpoints (in optimizer steps)") TrainConfig.Logging logging,
        @Inline("Loss") LossConfig loss,
        @Inline("Speed (results are equal either way)") SpeedOptions speed,
        @Inline("LoRA adapters (PEFT's names): each round trains fresh adapters on the round's starting policy and merges them "
                + "into it at the round's end") LoraConfig lora,
        @Inline("TR-DPO within a round") TrDpo trDpo) implements Reads {

    /** These keys with {@code loss} in place of theirs. */
    public RoundKeys withLoss(LossConfig loss) { return new RoundKeys(data, opt, logging, loss, speed, lora, trDpo); }

    @Override public String unread(String key) {
        return switch (key) {
            case "eval_steps" -> "a round's training has no eval data (the loop evaluates after each round; see eval:)";
            case "on_bad_row" -> "the loop's rows are its own samples, as token ids: none can be malformed";
            default -> null;
        };
    }
}
