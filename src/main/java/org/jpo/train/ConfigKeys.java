package org.jpo.train;

import org.jpo.data.DataOptions;
import org.jpo.loss.FDivergence;
import org.jpo.loss.LossConfig;
import org.jpo.loss.LossType;
import org.jpo.train.TrainConfig.Method;
import org.jpo.train.TrainConfig.Scheduler;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.jpo.loss.LossType.*;

/**
 * Every key of a {@code jpo train} config, in the order {@code --print-defaults} shows them and defaults are
 * resolved. Names are TRL's where TRL has one; each loss's own knobs sit in a block named after the loss
 * ({@code simpo: {gamma: 0.5}}), except those TRL's DPOConfig/KTOConfig have at top level.
 */
final class ConfigKeys {
    private ConfigKeys() {}

    /** A titled group of keys in the printed config. */
    record Section(String title, List<Key> keys) {}

    private static final LossConfig L = LossConfig.DEFAULT;
    private static final TrainConfig.Optimization O = TrainConfig.Optimization.defaults(Method.DPO);
    private static final TrainConfig.Data D = TrainConfig.Data.DEFAULT;
    private static final TrainConfig.Logging G = TrainConfig.Logging.DEFAULT;
    private static final TrainConfig.Reference R = TrainConfig.Reference.POLICY_INIT;
    private static final Set<LossType> PAIRED = Arrays.stream(LossType.values())
            .filter(t -> t.kind != Kind.UNPAIRED).collect(Collectors.toCollection(() -> EnumSet.noneOf(LossType.class)));

    static final List<Section> SECTIONS = List.of(
            new Section("What to train", List.of(
                    Key.required("method", Value.choice(Method.class, m -> m.key),
                            "dpo (preference pairs, any paired loss) | kto (unpaired rows labelled true/false) | "
                                    + "sft (completion-only NLL) | reward (Bradley–Terry reward model). Required.")
                            .get(TrainConfig::method),
                    Key.required("model", Value.PATH,
                            "The policy's initial weights: an HF model directory or a llama2.c .bin. Required.")
                            .get(TrainConfig::model),
                    Key.of("tokenizer", Value.PATH, null,
                            "Tokenizer file or directory; null = the one next to the model.")
                            .get(c -> c.tokenizer().orElse(null)),
                    Key.required("train_file", Value.PATH, "Training rows, JSONL in TRL's format for the method. Required.")
                            .get(TrainConfig::trainFile),
                    Key.of("eval_file", Value.PATH, null, "Evaluation rows in the same format; null = none.")
                            .get(c -> c.evalFile().orElse(null)),
                    Key.of("eval_fraction", Value.NUMBER, 0.0,
                            "Share of train_file held out for evaluation when there is no eval_file, in [0, 1); 0 = none.")
                            .get(TrainConfig::evalFraction),
                    Key.required("output_dir", Value.PATH,
                            "Checkpoints, metrics and this config, resolved, are written here. Required.")
                            .get(TrainConfig::outputDir),
                    Key.of("seed", Value.LONG, 42L, "The run seed; data order, held-out split and initializations derive from it.")
                            .get(TrainConfig::seed))),
            new Section("Data", List.of(
                    Key.of("max_length", Value.INT, D.maxLength(),
                            "Tokens kept of prompt + completion; a longer row loses prompt tokens first (the end is kept), "
                                    + "then completion tokens.")
                            .get(c -> c.data().maxLength()),
                    Key.of("max_prompt_length", Value.INT, D.maxPromptLength(),
                            "Tokens kept of the prompt (its end); must be < max_length.")
                            .get(c -> c.data().maxPromptLength()),
                    Key.of("on_bad_row", Value.choice(DataOptions.OnBadRow.class, v -> v.name().toLowerCase()), D.onBadRow(),
                            "error = stop at a malformed row, naming file:line | skip = count it and write it to a rejects file.")
                            .get(c -> c.data().onBadRow()))),
            new Section("Optimization (AdamW with decoupled weight decay; HF TrainingArguments' names and defaults)", List.of(
                    Key.computed("learning_rate", Value.NUMBER, r -> r.method().defaultLearningRate,
                            "Peak learning rate; null = TRL's default for the method: 1e-6 (dpo, kto), 2e-5 (sft), 5e-5 (reward).")
                            .get(c -> c.opt().learningRate()),
                    Key.of("num_train_epochs", Value.NUMBER, O.numTrainEpochs(),
                            "Passes over train_file, may be fractional; max_steps > 0 overrides it.")
                            .get(c -> c.opt().numTrainEpochs()),
                    Key.of("max_steps", Value.INT, O.maxSteps(), "Optimizer steps to train; -1 = num_train_epochs decides.")
                            .get(c -> c.opt().maxSteps()),
                    Key.of("per_device_train_batch_size", Value.INT, O.perDeviceTrainBatchSize(),
                            "Rows per forward pass (a pair is one row).")
                            .get(c -> c.opt().perDeviceTrainBatchSize()),
                    Key.of("per_device_eval_batch_size", Value.INT, O.perDeviceEvalBatchSize(),
                            "Rows per forward pass without gradient: evaluation and reference log-probs.")
                            .get(c -> c.opt().perDeviceEvalBatchSize()),
                    Key.of("gradient_accumulation_steps", Value.INT, O.gradientAccumulationSteps(),
                            "Batches per optimizer step; the effective batch is per_device_train_batch_size times this.")
                            .get(c -> c.opt().gradientAccumulationSteps()),
                    Key.of("warmup_ratio", Value.NUMBER, O.warmupRatio(),
                            "Linear warmup over this share of all optimizer steps, in [0, 1]; set this or warmup_steps.")
                            .get(c -> c.opt().warmupRatio()),
                    Key.of("warmup_steps", Value.INT, O.warmupSteps(),
                            "Linear warmup over this many optimizer steps; set this or warmup_ratio.")
                            .get(c -> c.opt().warmupSteps()),
                    Key.of("lr_scheduler_type", Value.choice(Scheduler.class, s -> s.key), O.lrSchedulerType(),
                            "After warmup: linear (decay to 0) | cosine (decay to 0) | constant (no warmup) | constant_with_warmup.")
                            .get(c -> c.opt().lrSchedulerType()),
                    Key.of("weight_decay", Value.NUMBER, O.weightDecay(), "AdamW's decoupled weight decay, >= 0.")
                            .get(c -> c.opt().weightDecay()),
                    Key.of("adam_beta1", Value.NUMBER, O.adamBeta1(), "AdamW's β1, in [0, 1).").get(c -> c.opt().adamBeta1()),
                    Key.of("adam_beta2", Value.NUMBER, O.adamBeta2(), "AdamW's β2, in [0, 1).").get(c -> c.opt().adamBeta2()),
                    Key.of("adam_epsilon", Value.NUMBER, O.adamEpsilon(), "AdamW's ε, > 0.").get(c -> c.opt().adamEpsilon()),
                    Key.of("max_grad_norm", Value.NUMBER, O.maxGradNorm(), "Clip the global gradient norm to this; 0 = no clipping.")
                            .get(c -> c.opt().maxGradNorm()))),
            new Section("Logging, evaluation and checkpoints (in optimizer steps)", List.of(
                    Key.of("logging_steps", Value.INT, G.loggingSteps(), "One metrics line, with TRL's names, every this many steps.")
                            .get(c -> c.logging().loggingSteps()),
                    Key.of("save_steps", Value.INT, G.saveSteps(), "A checkpoint every this many steps, and one at the end.")
                            .get(c -> c.logging().saveSteps()),
                    Key.computed("eval_steps", Value.INT, r -> r.get("logging_steps"),
                            "Evaluate every this many steps when there is eval data; null = logging_steps.")
                            .get(c -> c.logging().evalSteps()).unreadWhen(ConfigKeys::noEvalData),
                    Key.of("save_total_limit", Value.INT, G.saveTotalLimit(), "Keep the newest this many checkpoints; 0 = keep all.")
                            .get(c -> c.logging().saveTotalLimit()))),
            new Section("Loss (methods dpo and kto; `jpo losses` lists the losses with formulas and papers)", lossKeys()),
            new Section("Reference model", List.of(
                    Key.computed("reference", Value.REFERENCE,
                                    r -> TrainConfig.readsReference(r.method(), r.losses()) ? "model" : "none",
                                    "model = the policy's initial weights | none (reference-free losses only: simpo, cpo, "
                                            + "orpo, sft) | a path to another model; null = model if a loss reads one, else none.")
                            .get(c -> c.reference().none() ? "none" : c.reference().model().<Object>map(p -> p).orElse("model")),
                    Key.of("sync_ref_model", Value.BOOL, R.syncRefModel(),
                            "TR-DPO (arXiv:2404.09656): every ref_model_sync_steps steps, "
                                    + "reference ← α·policy + (1 − α)·reference.")
                            .get(c -> c.reference().syncRefModel()),
                    Key.of("ref_model_mixup_alpha", Value.NUMBER, R.refModelMixupAlpha(), "TR-DPO's α, in [0, 1].")
                            .get(c -> c.reference().refModelMixupAlpha()).unreadWhen(ConfigKeys::noSync),
                    Key.of("ref_model_sync_steps", Value.INT, R.refModelSyncSteps(), "TR-DPO's τ: optimizer steps between syncs.")
                            .get(c -> c.reference().refModelSyncSteps()).unreadWhen(ConfigKeys::noSync))),
            new Section("Reward model (method reward)", List.of(
                    Key.of("center_rewards_coefficient", Value.NUMBER, TrainConfig.Reward.DEFAULT.centerRewardsCoefficient(),
                            "Weight of (r⁺ + r⁻)², pulling rewards toward mean zero (arXiv:2312.09244; 0.01 is "
                                    + "recommended); TRL's null is 0.")
                            .get(c -> c.reward().centerRewardsCoefficient()))));

    private static List<Key> lossKeys() {
        return List.of(
                Key.computed("loss_type", Value.LOSSES, r -> List.of(r.method() == Method.KTO ? KTO : SIGMOID),
                                "A loss or a list of losses (a weighted sum). dpo takes paired losses, kto unpaired ones "
                                        + "(kto, apo_zero_unpaired); null = sigmoid (dpo), kto (kto).")
                        .get(c -> c.loss().loss()).loss((b, v) -> b.loss(losses(v))),
                Key.computed("loss_weights", Value.NUMBERS, r -> Collections.nCopies(r.losses().size(), 1.0),
                                "One weight >= 0 per loss in loss_type; null = 1.0 each.")
                        .get(c -> c.loss().weights()).loss((b, v) -> b.weights(numbers(v))),
                Key.of("beta", Value.NUMBER, L.beta(), "β > 0, the strength of the KL constraint (IPO's τ).")
                        .get(c -> c.loss().beta()).loss((b, v) -> b.beta((Double) v))
                        .readBy("every loss but orpo and sft", EnumSet.complementOf(EnumSet.of(ORPO, SFT)))
                        .hint(r -> r.losses().contains(ORPO) ? "; orpo's weight is orpo.lambda (TRL's ORPOConfig calls it beta)" : ""),
                Key.of("label_smoothing", Value.NUMBER, L.labelSmoothing(),
                                "ε in [0, 0.5), the assumed share of flipped labels, for cdpo, robust, aot, aot_unpaired "
                                        + "(TRL's sigmoid with label_smoothing > 0 is cdpo here).")
                        .get(c -> c.loss().labelSmoothing()).loss((b, v) -> b.labelSmoothing((Double) v))
                        .readBy(CDPO, ROBUST, AOT, AOT_UNPAIRED)
                        .hint(r -> r.losses().contains(SIGMOID) ? "; TRL's sigmoid with label_smoothing is loss_type cdpo here" : ""),
                Key.of("f_divergence_type", Value.choice(FDivergence.Type.class, t -> t.key), L.fDivergenceType(),
                                "The sigmoid loss's f-divergence (arXiv:2309.16240): reverse_kl (= DPO) | forward_kl | "
                                        + "js_divergence | alpha_divergence.")
                        .get(c -> c.loss().fDivergenceType()).loss((b, v) -> b.fDivergenceType((FDivergence.Type) v))
                        .readBy(SIGMOID),
                Key.of("f_alpha_divergence_coef", Value.NUMBER, 1.0,
                                "TRL's coefficient a != 0 of alpha_divergence, f′(u) = (1 − u^(−a))/a; the loss library's α is 1 − a.")
                        .get(c -> alphaCoefficient(c.loss().fDivergenceAlpha()))
                        .loss((b, v) -> b.fDivergenceAlpha(1 - (Double) v)).readBy(SIGMOID)
                        .probe(b -> b.fDivergenceType(FDivergence.Type.ALPHA_DIVERGENCE))
                        .unreadWhen(r -> r.get("f_divergence_type") == FDivergence.Type.ALPHA_DIVERGENCE ? null
                                : "f_divergence_type is " + ((FDivergence.Type) r.get("f_divergence_type")).key + ", not alpha_divergence"),
                Key.of("ld_alpha", Value.NUMBER, L.ldAlpha(),
                                "LD-DPO (arXiv:2409.06411): weight in [0, 1] of tokens past the shorter completion; "
                                        + "1 = off (TRL's null).")
                        .get(c -> c.loss().ldAlpha()).loss((b, v) -> b.ldAlpha((Double) v)).readBy("paired losses", PAIRED),
                Key.of("use_weighting", Value.BOOL, L.useWeighting(),
                                "WPO (arXiv:2406.11827): weight each pair by its probability under the policy.")
                        .get(c -> c.loss().useWeighting()).loss((b, v) -> b.useWeighting((Boolean) v)).readBy("paired losses", PAIRED),
                Key.of("discopop_tau", Value.NUMBER, L.discopopTau(), "discopop's τ > 0 (arXiv:2406.08414).")
                        .get(c -> c.loss().discopopTau()).loss((b, v) -> b.discopopTau((Double) v)).readBy(DISCOPOP),
                Key.of("desirable_weight", Value.NUMBER, L.desirableWeight(), "kto's weight λ_D >= 0 of desirable rows.")
                        .get(c -> c.kto().desirableWeight()).loss((b, v) -> b.desirableWeight((Double) v)).readBy(KTO),
                Key.of("undesirable_weight", Value.NUMBER, L.undesirableWeight(), "kto's weight λ_U >= 0 of undesirable rows.")
                        .get(c -> c.kto().undesirableWeight()).loss((b, v) -> b.undesirableWeight((Double) v)).readBy(KTO),
                Key.of("ipo.plain", Value.BOOL, L.ipoPlain(),
                                "ipo on summed log-ratios (the paper, arXiv:2310.12036) instead of TRL's per-token means.")
                        .get(c -> c.loss().ipoPlain()).loss((b, v) -> b.ipoPlain((Boolean) v)).readBy(IPO),
                Key.of("exo_pair.epsilon", Value.NUMBER, L.epsilon(),
                                "exo_pair's ε in (0, 1) (arXiv:2402.00856); TRL reuses label_smoothing for it.")
                        .get(c -> c.loss().epsilon()).loss((b, v) -> b.epsilon((Double) v)).readBy(EXO_PAIR),
                Key.of("bco_pair.running_mean", Value.BOOL, L.bcoRunningMean(),
                                "Shift bco_pair's rewards by their running mean (arXiv:2404.04656) instead of TRL's 0.")
                        .get(c -> c.loss().bcoRunningMean()).loss((b, v) -> b.bcoRunningMean((Boolean) v)).readBy(BCO_PAIR),
                Key.of("dpop.lambda", Value.NUMBER, L.dpopLambda(),
                                "dpop's λ >= 0 (arXiv:2402.13228): penalty when the chosen log-prob falls below the reference's.")
                        .get(c -> c.loss().dpopLambda()).loss((b, v) -> b.dpopLambda((Double) v)).readBy(DPOP),
                Key.of("rdpo.alpha", Value.NUMBER, L.rdpoAlpha(),
                                "rdpo's α >= 0 (arXiv:2403.19159): penalty per token of length difference.")
                        .get(c -> c.loss().rdpoAlpha()).loss((b, v) -> b.rdpoAlpha((Double) v)).readBy(RDPO),
                Key.of("simpo.gamma", Value.NUMBER, L.simpoGamma(),
                                "simpo's target margin γ >= 0 (arXiv:2405.14734; TRL CPOConfig's simpo_gamma).")
                        .get(c -> c.loss().simpoGamma()).loss((b, v) -> b.simpoGamma((Double) v)).readBy(SIMPO),
                Key.of("cpo.alpha", Value.NUMBER, L.cpoAlpha(),
                                "cpo's weight >= 0 of the chosen NLL (arXiv:2401.08417; TRL CPOConfig's cpo_alpha).")
                        .get(c -> c.loss().cpoAlpha()).loss((b, v) -> b.cpoAlpha((Double) v)).readBy(CPO),
                Key.of("orpo.lambda", Value.NUMBER, L.orpoLambda(),
                                "orpo's weight λ >= 0 of the odds-ratio term (arXiv:2403.07691; TRL ORPOConfig's beta).")
                        .get(c -> c.loss().orpoLambda()).loss((b, v) -> b.orpoLambda((Double) v)).readBy(ORPO));
    }

    static final Map<String, Key> BY_NAME = SECTIONS.stream().flatMap(s -> s.keys().stream())
            .collect(Collectors.toMap(k -> k.name, k -> k, (a, b) -> { throw new IllegalStateException(a.name); }, LinkedHashMap::new));

    /** Blocks of dotted keys, e.g. {@code simpo}. */
    static final Set<String> BLOCKS = BY_NAME.keySet().stream().filter(n -> n.contains("."))
            .map(n -> n.substring(0, n.indexOf('.'))).collect(Collectors.toCollection(java.util.LinkedHashSet::new));

    /** Keys a TRL user may bring that jpo spells differently, with what to write instead. */
    static final Map<String, String> TRL_SPELLINGS = Map.of(
            "rpo_alpha", "TRL's rpo_alpha is loss_type: [sigmoid, sft] with loss_weights: [1.0, <rpo_alpha>]",
            "reference_free", "write reference: none (for reference-free losses)",
            "ref_model", "write reference: PATH",
            "model_name_or_path", "write model: PATH",
            "dataset_name", "write train_file: PATH (JSONL)");

    private static String noEvalData(Key.Resolved r) {
        return r.get("eval_file") == null && r.number("eval_fraction") == 0
                ? "there is no eval data (set eval_file or eval_fraction)" : null;
    }

    private static String noSync(Key.Resolved r) { return r.bool("sync_ref_model") ? null : "sync_ref_model is false"; }

    /**
     * TRL's a for our α = 1 − a: of the doubles next to 1 − α, the shortest to print among those for which
     * 1 − a gives back exactly α (so a: 0.3 is written back as 0.3, not 0.30000000000000004, and re-reads equal).
     */
    static double alphaCoefficient(double alpha) {
        double a = 1 - alpha, best = a;
        for (double c : new double[] {Math.nextDown(Math.nextDown(a)), Math.nextDown(a), a, Math.nextUp(a), Math.nextUp(Math.nextUp(a))}) {
            boolean exact = 1 - c == alpha;
            if (exact && (1 - best != alpha || Double.toString(c).length() < Double.toString(best).length())) best = c;
        }
        return best;
    }

    @SuppressWarnings("unchecked")
    private static List<LossType> losses(Object v) { return (List<LossType>) v; }

    @SuppressWarnings("unchecked")
    private static List<Double> numbers(Object v) { return (List<Double>) v; }

    /** Input files and directories that must exist when the config is loaded. */
    static final List<String> INPUTS = List.of("model", "tokenizer", "train_file", "eval_file", "reference");

    static boolean isInputFile(String key) { return key.equals("train_file") || key.equals("eval_file"); }

    static Path inputPath(Key.Resolved r, String key) { return r.get(key) instanceof Path p ? p : null; }
}
