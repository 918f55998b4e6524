package org.jpo.train;

import org.jpo.config.Binder;
import org.jpo.config.Check;
import org.jpo.config.ConfigError;
import org.jpo.config.Hints;
import org.jpo.config.Inline;
import org.jpo.config.Key;
import org.jpo.config.Reads;
import org.jpo.data.DataOptions;
import org.jpo.dist.DistOptions;
import org.jpo.loss.LossConfig;
import org.jpo.loss.LossType;
import org.jpo.model.LoraConfig;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A {@code jpo train} config. Keys are TRL's names wherever TRL has one, so a TRL user's DPOConfig / KTOConfig /
 * RewardConfig settings carry over, with TRL's defaults; {@code jpo train --print-defaults} prints them all.
 */
@Hints({"rpo_alpha: TRL's rpo_alpha is loss_type: [sigmoid, sft] with loss_weights: [1.0, <rpo_alpha>]",
        "reference_free: write reference: none (for reference-free losses)", "ref_model: write reference: PATH",
        "model_name_or_path: write model: PATH", "dataset_name: write train_file: PATH (JSONL)"})
public record TrainConfig(
        @Key(required = true, section = "What to train", doc = "dpo (preference pairs, any paired loss) | kto (unpaired "
                + "rows labelled true/false) | sft (completion-only NLL) | reward (Bradley–Terry reward model) | preference (a pairwise "
                + "preference model P(y > y' | x), which may be intransitive) | group (grpo, dr_grpo, rloo: only inside jpo run, "
                + "pairs.strategy: group) | list (pro, lipo, mpo on ranked rows {prompt, completions, scores}). Required.")
        Method method,
        @Key(required = true, doc = "The policy's initial weights: an HF model directory or a llama2.c .bin. Required.") Path model,
        @Key(doc = "Tokenizer file or directory; null = the one next to the model.") Optional<Path> tokenizer,
        @Key(required = true, doc = "Training rows, JSONL in TRL's format for the method. Required.") Path trainFile,
        @Key(doc = "Evaluation rows, JSONL; null = none (or eval_fraction).") Optional<Path> evalFile,
        @Key(value = "0.0", doc = "Share of train_file held out for evaluation when there is no eval_file, in [0, 1).") double evalFraction,
        @Key(required = true, doc = "Checkpoints, metrics.jsonl, data_stats.json and the resolved config. Required.") Path outputDir,
        @Key(value = "42", doc = "The run seed every other seed (batch order, eval split) derives from.") long seed,
        @Inline("Data (TRL's names)") DataOptions data,
        @Inline("Optimizer, schedule and batch sizes (HF TrainingArguments' names and defaults)") Optimization opt,
        @Inline("Logging, evaluation and checkpoints (in optimizer steps)") Logging logging,
        @Inline("Loss (methods dpo and kto; `jpo losses` lists the losses with formulas and papers)") LossConfig loss,
        @Inline("Speed (methods dpo and list; results are equal either way)") SpeedOptions speed,
        @Inline("LoRA adapters (PEFT's LoraConfig names and defaults; methods dpo, kto, sft)") LoraConfig lora,
        @Key(section = "Reference model", doc = "model = the policy's initial weights | none (reference-free losses only: "
                + "simpo, cpo, orpo, sft) | a path to another model; null = model if a loss reads one, else none.")
        Reference reference,
        @Inline("") TrDpo trDpo,
        @Key(value = "0.0", section = "Reward model (method reward)", doc = "Weight of (r⁺ + r⁻)², pulling rewards toward "
                + "mean zero (arXiv:2312.09244; 0.01 is recommended); TRL's null is 0.") double centerRewardsCoefficient,
        @Inline("Data parallel (read when WORLD_SIZE > 1: jpo launch, torchrun, Slurm)") DistOptions dist)
        implements Reads {

    public static final Binder<TrainConfig> BINDER = new Binder<>(TrainConfig.class, "train", "jpo train --print-defaults");
    private static final List<String> LOSS_KEYS = Binder.keys(LossConfig.class);

    public TrainConfig {
        Check.within("eval_fraction", evalFraction, 0, 1, true);
        if (evalFile.isPresent() && evalFraction > 0) {
            throw new ConfigError("eval_fraction", "eval_fraction is " + evalFraction + " but eval_file is set; use one of them");
        }
        if (opt.learningRate() == null) opt = opt.withLearningRate(method.defaultLearningRate);
        loss = loss.withBetaFor(method.defaultLoss).resolve(method.defaultLoss);
        checkLossKinds(method, loss.lossType());
        reference = checkReference(method, loss, reference);
        if (trDpo.syncRefModel() && reference.none()) {
            throw new ConfigError("sync_ref_model", "sync_ref_model needs a reference model, but reference is none");
        }
        checkLora(method, lora, trDpo.syncRefModel());
        Check.nonNegative("center_rewards_coefficient", centerRewardsCoefficient);
        if (method != Method.REWARD && centerRewardsCoefficient != 0) {
            throw new ConfigError("center_rewards_coefficient", "center_rewards_coefficient applies to method reward, not " + method);
        }
        // inputs must exist now rather than fail after the model has loaded
        Check.exists("model", model, false);
        tokenizer.ifPresent(t -> Check.exists("tokenizer", t, false));
        Check.exists("train_file", trainFile, true);
        evalFile.ifPresent(e -> Check.exists("eval_file", e, true));
        reference.model().ifPresent(r -> Check.exists("reference", r, false));
    }

    /** Reads a config file plus {@code key=value} overrides; every error names file:line or the override. */
    public static TrainConfig load(Path yaml, List<String> overrides) { return BINDER.load(yaml, overrides); }

    /** Every key with its default and what it means ({@code jpo train --print-defaults}). */
    public static String defaultsYaml() {
        return BINDER.defaultsYaml("jpo train config: every key with its default. Keys are TRL's names where TRL has one;\n"
                + "null means the default described above the key. Relative paths resolve against this file's directory.\n"
                + "Any key can be overridden on the command line: jpo train CONFIG key=value (simpo.gamma=1.0 in a block).");
    }

    /** This config as YAML with absolute paths, read back by {@link #load} from any directory to an equal record. */
    public String toYaml() { return BINDER.toYaml(this, "jpo train config, resolved: every key with the value the run used."); }

    /**
     * A round's config in {@code jpo run}: the {@code train:} section's keys plus what the loop decides — the
     * method (from the pairing strategy), the starting model, the round's rows, directory and seed, and the reference
     * policy, used when the round's loss reads one. No eval data: the loop evaluates after the round.
     */
    public static TrainConfig forRound(RoundKeys keys, Method method, Path model, Optional<Path> tokenizer, Path trainFile, Path outputDir,
            long seed, Path reference, DistOptions dist) {
        LossConfig loss = keys.loss().withBetaFor(method.defaultLoss).resolve(method.defaultLoss);
        Reference ref = readsReference(method, loss) ? new Reference(false, Optional.of(reference)) : Reference.NONE;
        return new TrainConfig(method, model, tokenizer, trainFile, Optional.empty(), 0.0, outputDir, seed, keys.data(), keys.opt(),
                keys.logging(), keys.loss(), keys.speed(), keys.lora(), ref, keys.trDpo(), 0.0, dist);
    }

    /** Loss keys are read by dpo, kto, group and list; eval_steps when there is eval data (TR-DPO's and LoRA's keys say theirs). */
    @Override public String unread(String key) {
        if (method != Method.DPO && method != Method.KTO && method != Method.GROUP && method != Method.LIST && LOSS_KEYS.contains(key)) {
            return "method " + method + " does not read the loss keys";
        }
        if (key.equals("num_train_epochs") && method == Method.GROUP) return "method group makes num_iterations passes over the round's samples";
        return switch (key) {
            case "eval_steps" -> evalFile.isEmpty() && evalFraction == 0 ? "there is no eval data (set eval_file or eval_fraction)" : null;
            case "prefix_sharing", "logprob_chunk_size" -> method == Method.DPO || method == Method.LIST ? null : "only methods dpo and list read it";
            default -> null;
        };
    }

    /** LoRA trains policies; TR-DPO's reference mixing needs full weights on both sides, so the two do not combine. */
    private static void checkLora(Method method, LoraConfig lora, boolean syncRefModel) {
        if (!lora.enabled()) return;
        if (method == Method.REWARD || method == Method.PREFERENCE) {
            throw new ConfigError("lora_r", "lora_r is " + lora.loraR() + ", but method " + method + " trains every weight; set lora_r: 0");
        }
        if (syncRefModel) {
            throw new ConfigError("lora_r", "lora_r is " + lora.loraR() + " and sync_ref_model is true: TR-DPO mixes full policy "
                    + "weights into the reference; use one of them");
        }
    }

    /** dpo trains on pairs, kto on unpaired rows, group on sampled completions with advantages; sft and reward read no loss keys. */
    private static void checkLossKinds(Method method, List<LossType> losses) {
        if (method == Method.GROUP) {
            if (losses.stream().allMatch(t -> t.kind == LossType.Kind.GROUP)) return;
            throw new ConfigError("loss_type", "method group (pairs.strategy: group) trains with grpo, dr_grpo or rloo, got loss_type "
                    + losses + "; the DPO-family losses need pairs (another pairs.strategy)");
        }
        if (losses.stream().anyMatch(t -> t.kind == LossType.Kind.GROUP)) {
            throw new ConfigError("loss_type", "loss_type " + losses + " trains on groups of sampled completions with advantages, which "
                    + "only pairs.strategy: group makes (jpo run); method " + method + " has none");
        }
        boolean listLosses = losses.stream().allMatch(t -> t.kind == LossType.Kind.LIST);
        if (method == Method.LIST && !listLosses) {
            throw new ConfigError("loss_type", "method list (ranked rows; pairs.strategy: list) trains with pro, lipo or mpo, got loss_type "
                    + losses + "; the pairwise losses need pairs (method dpo, or another pairs.strategy)");
        }
        if (method != Method.LIST && losses.stream().anyMatch(t -> t.kind == LossType.Kind.LIST)) {
            throw new ConfigError("loss_type", "loss_type " + losses + " is listwise: it trains on ranked lists of completions, which method "
                    + "list reads (pairs.strategy: list in jpo run); method " + method + " has none");
        }
        if (method == Method.LIST) return;
        if (method != Method.DPO && method != Method.KTO) return;
        boolean unpaired = method == Method.KTO;
        if (losses.stream().allMatch(t -> (t.kind == LossType.Kind.UNPAIRED) == unpaired)) return;
        String expected = unpaired ? "unpaired losses (" + names(LossType.Kind.UNPAIRED) + ")"
                : "paired losses (not " + names(LossType.Kind.UNPAIRED) + "; use method: kto for those)";
        throw new ConfigError("loss_type", "method " + method + " needs " + expected + ", got loss_type " + losses);
    }

    /** A reference model is loaded exactly when something reads it; null resolves to that. */
    private static Reference checkReference(Method method, LossConfig loss, Reference reference) {
        boolean reads = readsReference(method, loss);
        List<LossType> losses = loss.lossType();
        if (reference == null) return reads ? Reference.INITIAL : Reference.NONE;
        if (reads && reference.none()) {
            throw new ConfigError("reference", "reference is none, but loss_type " + losses
                    + (method == Method.GROUP ? " with beta " + loss.knobs().beta() + " > 0" : "")
                    + " reads a reference model; " + (method == Method.LIST ? "the reference-free listwise loss is pro"
                            : "the reference-free losses are " + names(LossType.Kind.REFERENCE_FREE)));
        }
        if (!reads && !reference.none()) {
            String why = method == Method.GROUP ? "loss_type " + losses + " with beta 0 reads none (beta > 0 adds its KL penalty)"
                    : method == Method.DPO || method == Method.LIST ? "loss_type " + losses + " is reference-free" : "method " + method + " has none";
            throw new ConfigError("reference", "reference is " + reference + ", but nothing reads it (" + why + "); set reference: none");
        }
        return reference;
    }

    /** Whether training reads reference log-probs: dpo and kto unless every loss is reference-free; group when β > 0; list but pro. */
    public static boolean readsReference(Method method, LossConfig loss) {
        if (method == Method.GROUP) return loss.knobs().beta() > 0;
        if (method == Method.LIST) return ((org.jpo.loss.ListLoss) loss.create()).readsReference();
        return (method == Method.DPO || method == Method.KTO) && loss.lossType().stream().anyMatch(t -> t.kind != LossType.Kind.REFERENCE_FREE);
    }

    private static String names(LossType.Kind kind) {
        return Arrays.stream(LossType.values()).filter(t -> t.kind == kind).map(t -> t.key).collect(Collectors.joining(", "));
    }

    /** What {@code jpo train} trains, with the learning rate TRL's matching config defaults to and its loss_type when none is given. */
    public enum Method {
        /** Preference pairs, any paired loss or weighted sum (TRL DPOConfig: learning_rate 1e-6). */
        DPO(1e-6, LossType.SIGMOID),
        /** Unpaired desirable/undesirable rows (TRL KTOConfig: learning_rate 1e-6). */
        KTO(1e-6, LossType.KTO),
        /** Completion-only NLL (TRL SFTConfig: learning_rate 2e-5); it reads no loss keys. */
        SFT(2e-5, LossType.SIGMOID),
        /** Bradley–Terry reward model (TRL RewardConfig keeps TrainingArguments' 5e-5); it reads no loss keys. */
        REWARD(5e-5, LossType.SIGMOID),
        /** A general pairwise preference model on (prompt, y, y′), trained as the reward model is (5e-5); it reads no loss keys. */
        PREFERENCE(5e-5, LossType.SIGMOID),
        /**
         * A prompt's scored samples with their group-relative advantages: grpo, dr_grpo, rloo (TRL GRPOConfig: learning_rate
         * 1e-6). Only {@code jpo run} makes such rows (pairs.strategy: group); {@code jpo train} refuses it.
         */
        GROUP(1e-6, LossType.GRPO),
        /**
         * A prompt's completions as one ranked list, for pro, lipo, mpo (DPO's learning_rate 1e-6; TRL has no listwise
         * trainer): {@code jpo train} reads rows {prompt, completions, scores}, {@code jpo run} makes them with pairs.strategy:
         * list. Without a loss_type, lipo (LiPO-λ, the listwise DPO).
         */
        LIST(1e-6, LossType.LIPO);

        public final double defaultLearningRate;
        public final LossType defaultLoss;

        Method(double defaultLearningRate, LossType defaultLoss) {
            this.defaultLearningRate = defaultLearningRate;
            this.defaultLoss = defaultLoss;
        }

        @Override public String toString() { return name().toLowerCase(); }
    }

    /** {@code reference}: the policy's initial weights ({@code model}), {@code none}, or another model's path. */
    public record Reference(boolean none, Optional<Path> model) {
        public static final Reference INITIAL = new Reference(false, Optional.empty());
        public static final Reference NONE = new Reference(true, Optional.empty());

        /** {@code model}, {@code none}, or a path relative to {@code baseDir}. */
        public static Reference parse(String text, Path baseDir) {
            return switch (text) {
                case "model" -> INITIAL;
                case "none" -> NONE;
                default -> new Reference(false, Optional.of(baseDir.resolve(text).toAbsolutePath().normalize()));
            };
        }

        @Override public String toString() { return none ? "none" : model.map(Path::toString).orElse("model"); }
    }

    /** The optimizer (AdamW, decoupled weight decay), schedule and batch sizes. */
    public record Optimization(
            @Key(doc = "Peak learning rate > 0; null = TRL's default for the method: 1e-6 (dpo, kto, group, list), 2e-5 (sft), 5e-5 (reward, preference).")
            Double learningRate,
            @Key(value = "3.0", doc = "Passes over train_file; may be fractional.") double numTrainEpochs,
            @Key(value = "-1", doc = "Optimizer steps; overrides num_train_epochs when > 0; -1 = num_train_epochs decides.") int maxSteps,
            @Key(value = "8", doc = "Rows per forward pass (a pair is one row).") int perDeviceTrainBatchSize,
            @Key(value = "8", doc = "Rows per forward pass without gradient: evaluation and reference log-probs.") int perDeviceEvalBatchSize,
            @Key(value = "1", doc = "Batches per optimizer step; the effective batch is per_device_train_batch_size times this.")
            int gradientAccumulationSteps,
            @Key(value = "0.0", doc = "Linear warmup over this share of all optimizer steps, in [0, 1]; set this or warmup_steps.")
            double warmupRatio,
            @Key(value = "0", doc = "Linear warmup over this many optimizer steps; set this or warmup_ratio.") int warmupSteps,
            @Key(value = "linear", doc = "After warmup: linear (decay to 0) | cosine (decay to 0) | constant (no warmup) | "
                    + "constant_with_warmup.") Schedule.Kind lrSchedulerType,
            @Key(value = "0.0", doc = "AdamW's decoupled weight decay, >= 0.") double weightDecay,
            @Key(value = "0.9", doc = "AdamW's β1, in [0, 1).") double adamBeta1,
            @Key(value = "0.999", doc = "AdamW's β2, in [0, 1).") double adamBeta2,
            @Key(value = "1.0e-8", doc = "AdamW's ε, > 0.") double adamEpsilon,
            @Key(value = "1.0", doc = "Clip the global gradient norm to this; 0 = no clipping.") double maxGradNorm,
            @Key(value = "false", doc = "Autocast the training forward to bfloat16 (HF's bf16): matmuls and attention in bf16, "
                    + "weights, gradients, optimizer state, log-probs and losses in fp32. Faster on CPUs with AVX-512 BF16.")
            boolean bf16) {
        public Optimization {
            if (learningRate != null) Check.positive("learning_rate", learningRate);
            Check.positive("num_train_epochs", numTrainEpochs);
            if (maxSteps != -1 && maxSteps < 1) {
                throw new ConfigError("max_steps", "max_steps must be -1 (train for num_train_epochs) or >= 1, got " + maxSteps);
            }
            Check.atLeast("per_device_train_batch_size", perDeviceTrainBatchSize, 1);
            Check.atLeast("per_device_eval_batch_size", perDeviceEvalBatchSize, 1);
            Check.atLeast("gradient_accumulation_steps", gradientAccumulationSteps, 1);
            Check.within("warmup_ratio", warmupRatio, 0, 1, false);
            Check.atLeast("warmup_steps", warmupSteps, 0);
            // HF lets warmup_steps silently win over warmup_ratio, and "constant" silently ignore both; we refuse
            if (warmupRatio > 0 && warmupSteps > 0) {
                throw new ConfigError("warmup_steps", "warmup_ratio (" + warmupRatio + ") and warmup_steps (" + warmupSteps + ") are both set; set one");
            }
            if (lrSchedulerType == Schedule.Kind.CONSTANT && (warmupRatio > 0 || warmupSteps > 0)) {
                throw new ConfigError("lr_scheduler_type", "lr_scheduler_type constant has no warmup, but "
                        + (warmupSteps > 0 ? "warmup_steps is " + warmupSteps : "warmup_ratio is " + warmupRatio) + "; use constant_with_warmup");
            }
            Check.nonNegative("weight_decay", weightDecay);
            Check.within("adam_beta1", adamBeta1, 0, 1, true);
            Check.within("adam_beta2", adamBeta2, 0, 1, true);
            Check.positive("adam_epsilon", adamEpsilon);
            Check.nonNegative("max_grad_norm", maxGradNorm);
        }

        Optimization withLearningRate(double lr) {
            return new Optimization(lr, numTrainEpochs, maxSteps, perDeviceTrainBatchSize, perDeviceEvalBatchSize,
                    gradientAccumulationSteps, warmupRatio, warmupSteps, lrSchedulerType, weightDecay, adamBeta1, adamBeta2,
                    adamEpsilon, maxGradNorm, bf16);
        }

        /** The schedule over {@code total} optimizer steps; warmup is warmup_steps, else ⌈warmup_ratio · total⌉ (as HF). */
        Schedule schedule(long total) {
            long warmup = warmupSteps > 0 ? warmupSteps : (long) Math.ceil(warmupRatio * total);
            return new Schedule(lrSchedulerType, learningRate, warmup, total);
        }
    }

    /** How often to log, evaluate and save, in optimizer steps (TRL's names and defaults). */
    public record Logging(
            @Key(value = "10", doc = "One metrics line, with TRL's names, every this many steps.") int loggingSteps,
            @Key(value = "500", doc = "A checkpoint every this many steps, and one at the end.") int saveSteps,
            @Key(doc = "Evaluate every this many steps when there is eval data; null = logging_steps.") Integer evalSteps,
            @Key(value = "0", doc = "Keep the newest this many checkpoints; 0 = keep all.") int saveTotalLimit) {
        public Logging {
            Check.atLeast("logging_steps", loggingSteps, 1);
            Check.atLeast("save_steps", saveSteps, 1);
            if (evalSteps == null) evalSteps = loggingSteps;
            Check.atLeast("eval_steps", evalSteps, 1);
            Check.atLeast("save_total_limit", saveTotalLimit, 0);
        }
    }
}
