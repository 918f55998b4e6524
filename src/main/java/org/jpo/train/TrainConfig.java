package org.jpo.train;

import org.jpo.data.DataOptions;
import org.jpo.loss.LossConfig;
import org.jpo.loss.LossType;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The resolved {@code jpo train} config. Keys are TRL's names wherever TRL has one (written here in snake_case,
 * as in a config file), so a TRL user's DPOConfig/KTOConfig/RewardConfig settings carry over; defaults are TRL's.
 * {@link TrainConfigs#load} reads one from YAML; each section checks itself and names the bad key and value.
 * Paths are absolute.
 *
 * @param method       {@code method}: dpo | kto | sft | reward (required)
 * @param model        {@code model}: the policy's initial weights, an HF model directory or a llama2.c .bin (required)
 * @param tokenizer    {@code tokenizer}: tokenizer file or directory (default: found next to the model)
 * @param trainFile    {@code train_file}: JSONL training rows (required)
 * @param evalFile     {@code eval_file}: JSONL evaluation rows (default: none)
 * @param evalFraction {@code eval_fraction}: share of train_file held out for evaluation when there is no
 *                     eval_file, in [0, 1) (default 0 = no held-out split)
 * @param outputDir    {@code output_dir}: checkpoints, metrics and the resolved config (required)
 * @param loss         the loss keys ({@code loss_type}, {@code loss_weights}, {@code beta}, one block per loss);
 *                     read by dpo and kto; sft and reward keep {@link LossConfig#DEFAULT}
 * @param opt          optimizer, schedule and batch sizes
 * @param data         truncation and malformed rows
 * @param reference    the reference model and TR-DPO syncing
 * @param kto          kto's class weights (the same values as in {@code loss})
 * @param reward       reward-model knobs
 * @param logging      how often to log, evaluate and save
 * @param seed         {@code seed}: the run seed every other seed derives from (default 42)
 */
public record TrainConfig(Method method, Path model, Optional<Path> tokenizer, Path trainFile, Optional<Path> evalFile,
                          double evalFraction, Path outputDir, LossConfig loss, Optimization opt, Data data,
                          Reference reference, Kto kto, Reward reward, Logging logging, long seed) {

    public TrainConfig {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(tokenizer, "tokenizer");
        Objects.requireNonNull(trainFile, "train_file");
        Objects.requireNonNull(evalFile, "eval_file");
        Objects.requireNonNull(outputDir, "output_dir");
        Objects.requireNonNull(loss, "loss");
        Objects.requireNonNull(opt, "opt");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(reference, "reference");
        Objects.requireNonNull(kto, "kto");
        Objects.requireNonNull(reward, "reward");
        Objects.requireNonNull(logging, "logging");
        Check.within("eval_fraction", evalFraction, 0, 1, true);
        if (evalFile.isPresent() && evalFraction > 0) {
            throw new ConfigError("eval_fraction", "eval_fraction is " + evalFraction + " but eval_file is set; use one of them");
        }
        checkLossKinds(method, loss.loss());
        checkReference(method, loss.loss(), reference);
        if (kto.desirableWeight() != loss.desirableWeight() || kto.undesirableWeight() != loss.undesirableWeight()) {
            throw new ConfigError("desirable_weight", "kto weights " + kto + " differ from the loss config's ("
                    + loss.desirableWeight() + ", " + loss.undesirableWeight() + ")");
        }
        if (method != Method.REWARD && reward.centerRewardsCoefficient() != 0) {
            throw new ConfigError("center_rewards_coefficient", "center_rewards_coefficient applies to method reward, not " + method);
        }
    }

    /** dpo trains on pairs, kto on unpaired rows; sft and reward do not read the loss keys. */
    private static void checkLossKinds(Method method, List<LossType> losses) {
        if (method != Method.DPO && method != Method.KTO) return;
        boolean unpaired = method == Method.KTO;
        List<LossType> wrong = losses.stream().filter(t -> (t.kind == LossType.Kind.UNPAIRED) != unpaired).toList();
        if (wrong.isEmpty()) return;
        String expected = unpaired ? "unpaired losses (" + names(LossType.Kind.UNPAIRED) + ")"
                : "paired losses (not " + names(LossType.Kind.UNPAIRED) + "; use method: kto for those)";
        throw new ConfigError("loss_type", "method " + method + " needs " + expected + ", got loss_type " + losses);
    }

    /** A reference model is required exactly when something reads it, so none is loaded for nothing. */
    private static void checkReference(Method method, List<LossType> losses, Reference reference) {
        boolean reads = readsReference(method, losses);
        if (reads && reference.none()) {
            throw new ConfigError("reference", "reference is none, but loss_type " + losses
                    + " reads a reference model; the reference-free losses are " + names(LossType.Kind.REFERENCE_FREE));
        }
        if (!reads && !reference.none()) {
            String why = method == Method.DPO ? "loss_type " + losses + " is reference-free" : "method " + method + " has none";
            throw new ConfigError("reference", "reference is " + reference.model().map(Path::toString).orElse("model")
                    + ", but nothing reads it (" + why + "); set reference: none");
        }
    }

    /** Whether training reads reference log-probs: dpo and kto unless every loss is reference-free. */
    static boolean readsReference(Method method, List<LossType> losses) {
        return (method == Method.DPO || method == Method.KTO)
                && losses.stream().anyMatch(t -> t.kind != LossType.Kind.REFERENCE_FREE);
    }

    private static String names(LossType.Kind kind) {
        return Arrays.stream(LossType.values()).filter(t -> t.kind == kind).map(t -> t.key).collect(Collectors.joining(", "));
    }

    /** What {@code jpo train} trains, with the learning rate TRL's matching config defaults to. */
    public enum Method {
        /** Preference pairs, any paired loss or weighted sum (TRL DPOConfig: learning_rate 1e-6). */
        DPO("dpo", 1e-6),
        /** Unpaired desirable/undesirable rows (TRL KTOConfig: learning_rate 1e-6). */
        KTO("kto", 1e-6),
        /** Completion-only NLL (TRL SFTConfig: learning_rate 2e-5). */
        SFT("sft", 2e-5),
        /** Bradley–Terry reward model (TRL RewardConfig keeps TrainingArguments' 5e-5). */
        REWARD("reward", 5e-5);

        /** The name in a config file. */
        public final String key;
        public final double defaultLearningRate;

        Method(String key, double defaultLearningRate) {
            this.key = key;
            this.defaultLearningRate = defaultLearningRate;
        }

        @Override public String toString() { return key; }
    }

    /** {@code lr_scheduler_type}: the learning-rate schedule after warmup (HF names). */
    public enum Scheduler {
        /** Linear decay to 0 after warmup. */
        LINEAR("linear"),
        /** Half-cosine decay to 0 after warmup. */
        COSINE("cosine"),
        /** Constant, no warmup. */
        CONSTANT("constant"),
        /** Linear warmup, then constant. */
        CONSTANT_WITH_WARMUP("constant_with_warmup");

        public final String key;

        Scheduler(String key) { this.key = key; }

        @Override public String toString() { return key; }
    }

    /**
     * Optimizer (AdamW with decoupled weight decay), schedule and batch sizes; names and defaults of HF's
     * TrainingArguments except the learning rate (TRL's per-method default, {@link Method#defaultLearningRate}).
     *
     * @param learningRate              {@code learning_rate}: peak learning rate &gt; 0 (default: by method)
     * @param numTrainEpochs            {@code num_train_epochs}: passes over train_file, may be fractional (default 3)
     * @param maxSteps                  {@code max_steps}: optimizer steps; overrides num_train_epochs when &gt; 0
     *                                  (default -1 = use epochs)
     * @param perDeviceTrainBatchSize   {@code per_device_train_batch_size}: rows per forward pass (default 8)
     * @param perDeviceEvalBatchSize    {@code per_device_eval_batch_size}: rows per forward pass without gradient
     *                                  (evaluation, reference log-probs) (default 8)
     * @param gradientAccumulationSteps {@code gradient_accumulation_steps}: batches per optimizer step (default 1)
     * @param warmupRatio               {@code warmup_ratio}: warmup as a share of all steps, in [0, 1] (default 0)
     * @param warmupSteps               {@code warmup_steps}: warmup steps; set this or warmup_ratio (default 0)
     * @param lrSchedulerType           {@code lr_scheduler_type}: linear | cosine | constant |
     *                                  constant_with_warmup (default linear)
     * @param weightDecay               {@code weight_decay}: decoupled weight decay ≥ 0 (default 0)
     * @param adamBeta1                 {@code adam_beta1}: in [0, 1) (default 0.9)
     * @param adamBeta2                 {@code adam_beta2}: in [0, 1) (default 0.999)
     * @param adamEpsilon               {@code adam_epsilon}: &gt; 0 (default 1e-8)
     * @param maxGradNorm               {@code max_grad_norm}: clip the global gradient norm to this; 0 = no
     *                                  clipping (default 1.0)
     */
    public record Optimization(double learningRate, double numTrainEpochs, int maxSteps, int perDeviceTrainBatchSize,
                               int perDeviceEvalBatchSize, int gradientAccumulationSteps, double warmupRatio,
                               int warmupSteps, Scheduler lrSchedulerType, double weightDecay, double adamBeta1,
                               double adamBeta2, double adamEpsilon, double maxGradNorm) {
        public Optimization {
            Check.positive("learning_rate", learningRate);
            Check.positive("num_train_epochs", numTrainEpochs);
            if (maxSteps != -1 && maxSteps < 1) {
                throw new ConfigError("max_steps", "max_steps must be -1 (train for num_train_epochs) or >= 1, got " + maxSteps);
            }
            Check.atLeast("per_device_train_batch_size", perDeviceTrainBatchSize, 1);
            Check.atLeast("per_device_eval_batch_size", perDeviceEvalBatchSize, 1);
            Check.atLeast("gradient_accumulation_steps", gradientAccumulationSteps, 1);
            Check.within("warmup_ratio", warmupRatio, 0, 1, false);
            Check.atLeast("warmup_steps", warmupSteps, 0);
            checkWarmup(warmupRatio, warmupSteps, Objects.requireNonNull(lrSchedulerType, "lr_scheduler_type"));
            Check.nonNegative("weight_decay", weightDecay);
            Check.within("adam_beta1", adamBeta1, 0, 1, true);
            Check.within("adam_beta2", adamBeta2, 0, 1, true);
            Check.positive("adam_epsilon", adamEpsilon);
            if (!(maxGradNorm >= 0) || Double.isInfinite(maxGradNorm)) {
                throw new ConfigError("max_grad_norm", "max_grad_norm must be a finite number >= 0 (0 = no clipping), got " + maxGradNorm);
            }
        }

        /** HF lets warmup_steps silently win over warmup_ratio, and "constant" silently ignore both; we refuse. */
        private static void checkWarmup(double ratio, int steps, Scheduler scheduler) {
            if (ratio > 0 && steps > 0) {
                throw new ConfigError("warmup_steps", "warmup_ratio (" + ratio + ") and warmup_steps (" + steps + ") are both set; set one");
            }
            if (scheduler == Scheduler.CONSTANT && (ratio > 0 || steps > 0)) {
                throw new ConfigError("lr_scheduler_type", "lr_scheduler_type constant has no warmup, but "
                        + (steps > 0 ? "warmup_steps is " + steps : "warmup_ratio is " + ratio) + "; use constant_with_warmup");
            }
        }

        /** TrainingArguments' defaults with the method's learning rate. */
        public static Optimization defaults(Method method) {
            return new Optimization(method.defaultLearningRate, 3.0, -1, 8, 8, 1, 0.0, 0, Scheduler.LINEAR, 0.0,
                    0.9, 0.999, 1e-8, 1.0);
        }

        /** Warmup steps out of {@code totalSteps}: warmup_steps, else ⌈warmup_ratio · totalSteps⌉ (as HF). */
        public int warmup(int totalSteps) {
            return warmupSteps > 0 ? warmupSteps : (int) Math.ceil(warmupRatio * totalSteps);
        }
    }

    /**
     * Truncation and malformed rows (TRL's names and defaults).
     *
     * @param maxLength       {@code max_length}: tokens of prompt + completion kept (default 1024)
     * @param maxPromptLength {@code max_prompt_length}: tokens of prompt kept, its end; must be &lt; max_length
     *                        (default 512)
     * @param onBadRow        {@code on_bad_row}: error (stop at the first malformed row, naming file:line) | skip
     *                        (count it and write it to a rejects file) (default error)
     */
    public record Data(int maxLength, int maxPromptLength, DataOptions.OnBadRow onBadRow) {
        public static final Data DEFAULT = new Data(1024, 512, DataOptions.OnBadRow.ERROR);

        public Data {
            Check.atLeast("max_length", maxLength, 2);
            Check.atLeast("max_prompt_length", maxPromptLength, 1);
            if (maxPromptLength >= maxLength) {
                throw new ConfigError("max_prompt_length", "max_prompt_length (" + maxPromptLength + ") must be < max_length ("
                        + maxLength + ") so that completions keep a token; set max_prompt_length");
            }
            Objects.requireNonNull(onBadRow, "on_bad_row");
        }

        /** The data loader's options, with skipped rows going to {@code rejectsFile}. */
        public DataOptions options(Path rejectsFile) { return new DataOptions(maxLength, maxPromptLength, onBadRow, rejectsFile); }
    }

    /**
     * The reference model, written {@code reference: model | none | PATH}, and TR-DPO syncing (Gorbatovski et
     * al. arXiv:2404.09656, TRL's names and defaults): every ref_model_sync_steps steps
     * π_ref ← α·π_θ + (1 − α)·π_ref.
     *
     * @param none               {@code reference: none}: no reference model; only for reference-free losses
     *                           (default: none exactly when nothing reads a reference)
     * @param model              {@code reference: PATH}: a separate reference model; empty with none = false means
     *                           {@code reference: model}, the policy's initial weights (the default when one is read)
     * @param syncRefModel       {@code sync_ref_model}: TR-DPO syncing on (default false)
     * @param refModelMixupAlpha {@code ref_model_mixup_alpha}: α in [0, 1] (default 0.6)
     * @param refModelSyncSteps  {@code ref_model_sync_steps}: τ ≥ 1, optimizer steps between syncs (default 512)
     */
    public record Reference(boolean none, Optional<Path> model, boolean syncRefModel, double refModelMixupAlpha,
                            int refModelSyncSteps) {
        /** {@code reference: model}: the policy's initial weights. */
        public static final Reference POLICY_INIT = new Reference(false, Optional.empty(), false, 0.6, 512);
        /** {@code reference: none}. */
        public static final Reference NONE = new Reference(true, Optional.empty(), false, 0.6, 512);

        public Reference {
            Objects.requireNonNull(model, "reference");
            if (none && model.isPresent()) throw new ConfigError("reference", "reference cannot be none and also " + model.get());
            Check.within("ref_model_mixup_alpha", refModelMixupAlpha, 0, 1, false);
            Check.atLeast("ref_model_sync_steps", refModelSyncSteps, 1);
            if (syncRefModel && none) throw new ConfigError("sync_ref_model", "sync_ref_model needs a reference model, but reference is none");
        }
    }

    /**
     * KTO's class weights (TRL KTOConfig), the same values the kto loss reads from {@link LossConfig}.
     *
     * @param desirableWeight   {@code desirable_weight}: λ_D ≥ 0 (default 1.0)
     * @param undesirableWeight {@code undesirable_weight}: λ_U ≥ 0 (default 1.0)
     */
    public record Kto(double desirableWeight, double undesirableWeight) {
        public static final Kto DEFAULT = new Kto(1.0, 1.0);

        public Kto {
            Check.nonNegative("desirable_weight", desirableWeight);
            Check.nonNegative("undesirable_weight", undesirableWeight);
        }
    }

    /**
     * Reward-model training (TRL RewardConfig).
     *
     * @param centerRewardsCoefficient {@code center_rewards_coefficient}: weight of (r⁺ + r⁻)², pulling rewards
     *                                 toward mean zero (Eisenstein et al. arXiv:2312.09244, Eq. 2); TRL's null is 0
     *                                 (default 0; 0.01 recommended)
     */
    public record Reward(double centerRewardsCoefficient) {
        public static final Reward DEFAULT = new Reward(0.0);

        public Reward {
            Check.nonNegative("center_rewards_coefficient", centerRewardsCoefficient);
        }
    }

    /**
     * How often to log, evaluate and save, in optimizer steps (TRL's names and defaults).
     *
     * @param loggingSteps  {@code logging_steps}: one metrics line every this many steps (default 10)
     * @param saveSteps     {@code save_steps}: a checkpoint every this many steps, and one at the end (default 500)
     * @param evalSteps     {@code eval_steps}: evaluate every this many steps when there is eval data
     *                      (default: logging_steps, as HF)
     * @param saveTotalLimit {@code save_total_limit}: keep the newest this many checkpoints; 0 keeps all
     *                      (default: HF's null, here 0)
     */
    public record Logging(int loggingSteps, int saveSteps, int evalSteps, int saveTotalLimit) {
        public static final Logging DEFAULT = new Logging(10, 500, 10, 0);

        public Logging {
            Check.atLeast("logging_steps", loggingSteps, 1);
            Check.atLeast("save_steps", saveSteps, 1);
            Check.atLeast("eval_steps", evalSteps, 1);
            if (saveTotalLimit < 0) {
                throw new ConfigError("save_total_limit", "save_total_limit must be >= 0 (0 keeps every checkpoint), got " + saveTotalLimit);
            }
        }
    }
}
