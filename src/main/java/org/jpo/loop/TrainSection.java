package org.jpo.loop;

import org.jpo.config.Inline;
import org.jpo.config.Key;
import org.jpo.config.Reads;
import org.jpo.data.DataOptions;
import org.jpo.loss.LossConfig;
import org.jpo.model.LoraConfig;
import org.jpo.train.TrainConfig;

/**
 * {@code train:} every {@code jpo train} key that a round's training reads, with jpo train's defaults. The keys the
 * loop sets itself are not here: method (from pairs.strategy: unpaired → kto, best → sft, else dpo), model (the
 * round's starting policy), train_file (the round's rows), reference (the loop's reference:), output_dir
 * (round-NNN/train) and seed (derived from the run seed and the round).
 */
public record TrainSection(
        @Inline("Data") DataOptions data,
        @Inline("Optimizer, schedule and batch sizes") TrainConfig.Optimization opt,
        @Inline("Logging and in-round checkpoints (in optimizer steps)") TrainConfig.Logging logging,
        @Inline("Loss") LossConfig loss,
        @Inline("Speed (results are equal either way)") org.jpo.train.SpeedOptions speed,
        @Inline("LoRA adapters (PEFT's names): each round trains fresh adapters on the round's starting policy and merges them "
                + "into it at the round's end") LoraConfig lora,
        @Key(value = "false", doc = "TR-DPO within a round: every ref_model_sync_steps steps, reference ← α·policy + (1 − α)·reference.")
        boolean syncRefModel,
        @Key(value = "0.6", doc = "TR-DPO's α, in [0, 1].") double refModelMixupAlpha,
        @Key(value = "512", doc = "TR-DPO's τ: optimizer steps between syncs.") int refModelSyncSteps) implements Reads {

    @Override public String unread(String key) {
        return switch (key) {
            case "eval_steps" -> "a round's training has no eval data (the loop evaluates after each round; see eval:)";
            case "on_bad_row" -> "the loop's rows are its own samples, as token ids: none can be malformed";
            case "ref_model_mixup_alpha", "ref_model_sync_steps" -> syncRefModel ? null : "sync_ref_model is false";
            case "lora_alpha", "lora_dropout", "lora_target_modules" -> lora.enabled() ? null : "lora_r is 0 (no adapters)";
            default -> null;
        };
    }
}
