package org.jpo.train;

import org.jpo.data.DataOptions;
import org.bytedeco.javacpp.PointerScope;
import org.jpo.loss.FDivergence;
import org.jpo.loss.LossConfig;
import org.jpo.loss.LossType;
import org.jpo.loss.Logps;
import org.jpo.loss.PairBatch;
import org.jpo.loss.PairLogps;
import org.jpo.loss.ReferencedLoss;
import org.jpo.train.TrainConfig.Method;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.jpo.loss.LossType.*;
import static org.jpo.tensor.Tensors.*;
import static org.junit.jupiter.api.Assertions.*;

/** Keys reach their fields, defaults are TRL's, overrides and relative paths resolve, and configs round-trip. */
class TrainConfigsTest {
    @TempDir Path tmp;
    ConfigFiles f;

    @BeforeEach void files() { f = new ConfigFiles(tmp); }

    /** Every dpo key set to a value other than its default; the losses chosen read every loss knob but kto's. */
    static final String EVERY_DPO_KEY = """
            method: dpo
            model: ../m/model.bin
            tokenizer: ../tok/tokenizer.json
            train_file: ../data/train.jsonl
            eval_file: ../data/eval.jsonl
            output_dir: ../out
            seed: 7
            max_length: 256
            max_prompt_length: 100
            on_bad_row: skip
            learning_rate: 3.0e-5
            num_train_epochs: 1.5
            max_steps: 40
            per_device_train_batch_size: 4
            per_device_eval_batch_size: 16
            gradient_accumulation_steps: 2
            warmup_steps: 5
            lr_scheduler_type: cosine
            weight_decay: 0.01
            adam_beta1: 0.8
            adam_beta2: 0.95
            adam_epsilon: 1e-6
            max_grad_norm: 0.5
            logging_steps: 2
            save_steps: 20
            eval_steps: 4
            save_total_limit: 3
            loss_type: [bco_pair, sigmoid, cdpo, ipo, exo_pair, discopop, dpop, rdpo, simpo, cpo, orpo]   # bco_pair first: running_mean
            loss_weights: [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05]
            beta: 0.25
            label_smoothing: 0.2
            f_divergence_type: alpha_divergence
            f_alpha_divergence_coef: 0.3
            ld_alpha: 0.5
            use_weighting: true
            discopop_tau: 0.07
            ipo: {plain: true}
            exo_pair: {epsilon: 0.01}
            bco_pair:
              running_mean: true
            dpop: {lambda: 20}
            rdpo: {alpha: 0.05}
            simpo: {gamma: 1.5}
            cpo: {alpha: 0.7}
            orpo: {lambda: 0.3}
            reference: ../m/ref.bin
            sync_ref_model: true
            ref_model_mixup_alpha: 0.5
            ref_model_sync_steps: 64
            """;

    @Test void everyDpoKeyReachesItsField() {
        TrainConfig c = f.load(EVERY_DPO_KEY);
        assertEquals(Method.DPO, c.method());
        assertEquals(f.path("m/model.bin"), c.model());
        assertEquals(Optional.of(f.path("tok/tokenizer.json")), c.tokenizer());
        assertEquals(f.path("data/train.jsonl"), c.trainFile());
        assertEquals(Optional.of(f.path("data/eval.jsonl")), c.evalFile());
        assertEquals(0.0, c.evalFraction());
        assertEquals(f.path("out"), c.outputDir());
        assertEquals(7L, c.seed());
        assertEquals(new DataOptions(256, 100, DataOptions.OnBadRow.SKIP), c.data());
        assertEquals(new TrainConfig.Optimization(3e-5, 1.5, 40, 4, 16, 2, 0.0, 5, Schedule.Kind.COSINE, 0.01, 0.8, 0.95, 1e-6, 0.5, false),
                c.opt());
        assertEquals(new TrainConfig.Logging(2, 20, 4, 3), c.logging());
        assertEquals(new TrainConfig.Reference(false, Optional.of(f.path("m/ref.bin"))), c.reference());
        assertTrue(c.trDpo().syncRefModel());
        assertEquals(0.5, c.trDpo().refModelMixupAlpha());
        assertEquals(64, c.trDpo().refModelSyncSteps());
        LossConfig l = c.loss();
        assertEquals(List.of(BCO_PAIR, SIGMOID, CDPO, IPO, EXO_PAIR, DISCOPOP, DPOP, RDPO, SIMPO, CPO, ORPO), l.lossType());
        assertEquals(List.of(1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05), l.lossWeights());
        assertEquals(0.25, l.knobs().beta());
        assertEquals(0.2, l.knobs().labelSmoothing());
        assertEquals(FDivergence.Type.ALPHA_DIVERGENCE, l.knobs().fDivergenceType());
        assertEquals(0.7, l.knobs().fDivergence().alpha(), 1e-15);   // the formula sheet's α = 1 − TRL's a
        assertEquals(0.3, l.knobs().fAlphaDivergenceCoef());
        assertEquals(0.5, l.knobs().ldAlpha());
        assertTrue(l.knobs().useWeighting());
        assertEquals(0.07, l.knobs().discopopTau());
        assertTrue(l.knobs().ipo().plain());
        assertEquals(0.01, l.knobs().exoPair().epsilon());
        assertTrue(l.knobs().bcoPair().runningMean());
        assertEquals(20.0, l.knobs().dpop().lambda());
        assertEquals(0.05, l.knobs().rdpo().alpha());
        assertEquals(1.5, l.knobs().simpo().gamma());
        assertEquals(0.7, l.knobs().cpo().alpha());
        assertEquals(0.3, l.knobs().orpo().lambda());
        assertEquals(0.0, c.centerRewardsCoefficient());
    }

    @Test void ktoAndRewardKeysReachTheirFields() {
        TrainConfig kto = f.load("""
                method: kto
                model: ../m/model.bin
                train_file: ../data/train.jsonl
                output_dir: ../out
                eval_fraction: 0.1
                loss_type: kto
                desirable_weight: 1.33
                undesirable_weight: 0.75
                beta: 0.2
                """);
        assertEquals(List.of(KTO), kto.loss().lossType());
        assertEquals(1.33, kto.loss().knobs().desirableWeight());
        assertEquals(0.75, kto.loss().knobs().undesirableWeight());
        assertEquals(0.2, kto.loss().knobs().beta());
        assertEquals(0.1, kto.evalFraction());
        assertEquals(TrainConfig.Reference.INITIAL, kto.reference());

        TrainConfig reward = f.load(ConfigFiles.REQUIRED.replace("dpo", "reward") + "center_rewards_coefficient: 0.01\n");
        assertEquals(0.01, reward.centerRewardsCoefficient());
        assertEquals(TrainConfig.Reference.NONE, reward.reference());
    }

    @Test void defaultsAreTrls() {
        TrainConfig c = f.load(ConfigFiles.REQUIRED);
        assertEquals(Optional.empty(), c.tokenizer());
        assertEquals(Optional.empty(), c.evalFile());
        assertEquals(0.0, c.evalFraction());
        assertEquals(42L, c.seed());
        assertEquals(new DataOptions(1024, 512, DataOptions.OnBadRow.ERROR), c.data());
        assertEquals(new TrainConfig.Optimization(1e-6, 3.0, -1, 8, 8, 1, 0.0, 0, Schedule.Kind.LINEAR, 0.0, 0.9, 0.999, 1e-8, 1.0, false),
                c.opt());
        assertEquals(new TrainConfig.Logging(10, 500, 10, 0), c.logging());
        assertEquals(TrainConfig.Reference.INITIAL, c.reference());
        assertFalse(c.trDpo().syncRefModel());
        assertEquals(0.6, c.trDpo().refModelMixupAlpha());
        assertEquals(512, c.trDpo().refModelSyncSteps());
        assertEquals(0.0, c.centerRewardsCoefficient());
        assertEquals(1.0, c.loss().knobs().desirableWeight());
        assertEquals(1.0, c.loss().knobs().undesirableWeight());
        LossConfig l = c.loss();
        assertEquals(List.of(SIGMOID), l.lossType());
        assertEquals(List.of(1.0), l.lossWeights());
        assertEquals(0.1, l.knobs().beta());
        assertEquals(FDivergence.Type.REVERSE_KL, l.knobs().fDivergenceType());
        assertEquals(1.0, l.knobs().fAlphaDivergenceCoef());
        assertEquals(1.0, l.knobs().ldAlpha());
        assertFalse(l.knobs().useWeighting());
        assertEquals(0.05, l.knobs().discopopTau());
        assertEquals(1e-3, l.knobs().exoPair().epsilon());
        assertEquals(50.0, l.knobs().dpop().lambda());
        assertEquals(0.01, l.knobs().rdpo().alpha());
        assertEquals(0.5, l.knobs().simpo().gamma());
        assertEquals(1.0, l.knobs().cpo().alpha());
        assertEquals(0.1, l.knobs().orpo().lambda());
    }

    @Test void defaultsThatDependOnTheMethodOrLosses() {
        TrainConfig kto = f.load(ConfigFiles.REQUIRED.replace("dpo", "kto"));
        assertEquals(List.of(KTO), kto.loss().lossType());
        assertEquals(1e-6, kto.opt().learningRate());
        assertEquals(TrainConfig.Reference.INITIAL, kto.reference());
        TrainConfig sft = f.load(ConfigFiles.REQUIRED.replace("dpo", "sft"));
        assertEquals(2e-5, sft.opt().learningRate());
        assertTrue(sft.reference().none());
        TrainConfig reward = f.load(ConfigFiles.REQUIRED.replace("dpo", "reward"));
        assertEquals(5e-5, reward.opt().learningRate());
        assertTrue(reward.reference().none());
        TrainConfig preference = f.load(ConfigFiles.REQUIRED.replace("dpo", "preference"));
        assertEquals(5e-5, preference.opt().learningRate());
        assertTrue(preference.reference().none());
        // reference-free losses get no reference model; one referenced loss in the sum needs it
        assertTrue(f.load(ConfigFiles.REQUIRED + "loss_type: [simpo, sft]\n").reference().none());
        assertFalse(f.load(ConfigFiles.REQUIRED + "loss_type: [simpo, sigmoid]\n").reference().none());
        // eval_steps follows logging_steps unless set
        assertEquals(new TrainConfig.Logging(3, 500, 3, 0), f.load(ConfigFiles.REQUIRED + "logging_steps: 3\n").logging());
    }

    @Test void nullMeansTheDefault() {
        TrainConfig c = f.load(ConfigFiles.REQUIRED + "learning_rate:\nloss_type: null\ntokenizer: ~\neval_steps:\nsimpo: {gamma: null}\n");
        assertEquals(f.load(ConfigFiles.REQUIRED), c);
    }

    @Test void relativePathsResolveAgainstTheConfigFilesDirectory() {
        TrainConfig c = f.load(ConfigFiles.REQUIRED.replace("../data/train.jsonl", "./x"));
        assertEquals(f.path("cfg/x"), c.trainFile());
        assertEquals(f.path("out"), c.outputDir());
        assertTrue(c.model().isAbsolute());
        String abs = f.path("data/train.jsonl").toString();
        assertEquals(f.path("data/train.jsonl"), f.load(ConfigFiles.REQUIRED.replace("../data/train.jsonl", abs)).trainFile());
    }

    @Test void overridesRelativePathsResolveAgainstTheWorkingDirectory() {
        TrainConfig c = f.load(ConfigFiles.REQUIRED, "output_dir=runs/one", "eval_file=" + f.path("data/eval.jsonl"));
        assertEquals(Path.of("").toAbsolutePath().resolve("runs/one"), c.outputDir());
        assertEquals(Optional.of(f.path("data/eval.jsonl")), c.evalFile());
    }

    @Test void overridesScalarListNestedAndBlock() {
        TrainConfig scalar = f.load(ConfigFiles.REQUIRED + "beta: 0.3\n", "beta=0.2", "max_steps=12", "on_bad_row=skip");
        assertEquals(0.2, scalar.loss().knobs().beta());
        assertEquals(12, scalar.opt().maxSteps());
        assertEquals(DataOptions.OnBadRow.SKIP, scalar.data().onBadRow());

        TrainConfig list = f.load(ConfigFiles.REQUIRED, "loss_type=[sigmoid,sft]", "loss_weights=[1, 0.5]");
        assertEquals(List.of(SIGMOID, SFT), list.loss().lossType());
        assertEquals(List.of(1.0, 0.5), list.loss().lossWeights());

        TrainConfig nested = f.load(ConfigFiles.REQUIRED + "simpo: {gamma: 0.9}\n", "loss_type=simpo", "simpo.gamma=1.0");
        assertEquals(1.0, nested.loss().knobs().simpo().gamma());
        TrainConfig block = f.load(ConfigFiles.REQUIRED, "loss_type=simpo", "simpo={gamma: 2}");
        assertEquals(2.0, block.loss().knobs().simpo().gamma());

        // an empty override restores the default, and the later of two overrides wins
        assertEquals(1e-6, f.load(ConfigFiles.REQUIRED + "learning_rate: 0.1\n", "learning_rate=").opt().learningRate());
        assertEquals(0.5, f.load(ConfigFiles.REQUIRED, "beta=0.4", "beta=0.5").loss().knobs().beta());
        // overrides fill required keys
        assertEquals(Method.SFT, f.load("model: ../m/model.bin\ntrain_file: ../data/train.jsonl\n", "method=sft", "output_dir=o").method());
    }

    /** loss_type [sigmoid, sft] with weights [1, 0.5] is 1·(−logσ(βδ)) + 0.5·(−π⁺/|y⁺|), computed here by hand. */
    @Test void lossListWithWeightsIsTheWeightedSum() {
        LossConfig l = f.load(ConfigFiles.REQUIRED + "loss_type: [sigmoid, sft]\nloss_weights: [1.0, 0.5]\nbeta: 0.5\n").loss();
        try (PointerScope scope = new PointerScope()) {
            // one pair: π⁺ = −2, π⁻ = −6, r⁺ = −3.2, r⁻ = −5.2, |y⁺| = 3, |y⁻| = 2, so δ = 1.2 − (−0.8) = 2
            PairLogps policy = new PairLogps(new Logps(doubles(new double[] {-2}, 1), doubles(new double[] {3}, 1)),
                    new Logps(doubles(new double[] {-6}, 1), doubles(new double[] {2}, 1)));
            PairLogps reference = new PairLogps(new Logps(doubles(new double[] {-3.2}, 1), doubles(new double[] {3}, 1)),
                    new Logps(doubles(new double[] {-5.2}, 1), doubles(new double[] {2}, 1)));
            double loss = toDoubles(((ReferencedLoss) l.create()).apply(new PairBatch(policy, reference)).losses())[0];
            double expected = 1.0 * -Math.log(1 / (1 + Math.exp(-0.5 * 2))) + 0.5 * (2.0 / 3);
            assertEquals(expected, loss, 1e-12);
        }
    }

    @Test void resolvedConfigsRoundTrip() {
        List<TrainConfig> configs = List.of(
                f.load(EVERY_DPO_KEY),
                f.load(ConfigFiles.REQUIRED),
                f.load(ConfigFiles.REQUIRED + "loss_type: [simpo, sft]\nloss_weights: [1.0, 0.25]\n"),
                f.load(ConfigFiles.REQUIRED.replace("dpo", "kto") + "desirable_weight: 1.2\neval_fraction: 0.05\n"),
                f.load(ConfigFiles.REQUIRED.replace("dpo", "sft") + "learning_rate: 1e-4\nwarmup_ratio: 0.1\n"),
                f.load(ConfigFiles.REQUIRED.replace("dpo", "reward") + "center_rewards_coefficient: 0.01\n"),
                f.load(ConfigFiles.REQUIRED + "f_divergence_type: alpha_divergence\nf_alpha_divergence_coef: 0.1\n"));
        Path elsewhere = f.path("runs/a/config.yaml");   // another directory: relative paths would break
        for (TrainConfig c : configs) {
            String yaml = c.toYaml();
            ConfigFiles.write(elsewhere, yaml);
            assertEquals(c, TrainConfig.load(elsewhere, List.of()), yaml);
        }
    }

    @Test void alphaCoefficientIsWrittenBackAsGiven() {
        TrainConfig c = f.load(ConfigFiles.REQUIRED + "f_divergence_type: alpha_divergence\nf_alpha_divergence_coef: 0.3\n");
        assertTrue(c.toYaml().contains("\nf_alpha_divergence_coef: 0.3\n"));
        assertEquals(0.7, c.loss().knobs().fDivergence().alpha(), 1e-15);
    }

    @Test void printedDefaultsLoadOnceTheRequiredKeysAreFilled() {
        String defaults = TrainConfig.defaultsYaml();
        for (String key : org.jpo.config.Binder.keys(TrainConfig.class)) {
            String line = key.contains(".") ? "\n  " + key.substring(key.indexOf('.') + 1) + ": " : "\n" + key + ": ";
            assertTrue(defaults.contains(line), "no line for " + key);
        }
        assertTrue(defaults.contains("\n# Peak learning rate > 0; null = TRL's default for the method: 1e-6 (dpo, kto, group,"), defaults);
        String[] lines = defaults.split("\n");
        for (int i = 1; i < lines.length; i++) {
            boolean keyLine = lines[i].matches(" *[a-z_0-9]+: .*");
            if (keyLine) assertTrue(lines[i - 1].strip().startsWith("#"), "no comment above: " + lines[i]);
        }
        TrainConfig filled = f.load(defaults, "method=dpo", "model=" + f.path("m/model.bin"),
                "train_file=" + f.path("data/train.jsonl"), "output_dir=" + f.path("out"));
        assertEquals(f.load(ConfigFiles.REQUIRED), filled);
        for (String method : List.of("kto", "sft", "reward", "preference")) {
            assertEquals(f.load(ConfigFiles.REQUIRED.replace("dpo", method)), f.load(defaults, "method=" + method,
                    "model=" + f.path("m/model.bin"), "train_file=" + f.path("data/train.jsonl"), "output_dir=" + f.path("out")));
        }
    }

    @Test void warmupStepsComeFromStepsOrRatio() {
        assertEquals(0, f.load(ConfigFiles.REQUIRED).opt().schedule(100).warmup());
        TrainConfig.Optimization ratio = f.load(ConfigFiles.REQUIRED + "warmup_ratio: 0.1\n").opt();
        assertEquals(10, ratio.schedule(95).warmup());   // ⌈9.5⌉
        assertEquals(10, ratio.schedule(100).warmup());
        assertEquals(7, f.load(ConfigFiles.REQUIRED + "warmup_steps: 7\n").opt().schedule(1000).warmup());
    }

    @Test void everyLossTypeNameIsAccepted() {
        for (LossType t : LossType.values()) {
            String method = switch (t.kind) {
                case UNPAIRED -> "kto";
                case GROUP -> "group";
                case LIST -> "list";
                default -> "dpo";
            };
            assertEquals(List.of(t), f.load(ConfigFiles.REQUIRED.replace("dpo", method) + "loss_type: " + t.key + "\n").loss().lossType());
        }
    }
}
