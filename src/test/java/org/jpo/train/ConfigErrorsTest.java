package org.jpo.train;

import org.jpo.UserError;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.jpo.train.ConfigFiles.REQUIRED;
import static org.junit.jupiter.api.Assertions.*;

/** Each config mistake is one message naming file:line (or the override), the key, the bad value and what was expected. */
class ConfigErrorsTest {
    @TempDir Path tmp;
    ConfigFiles f;

    @BeforeEach void files() { f = new ConfigFiles(tmp); }

    /** "cfg/config.yaml:N", as messages name the line; keys added after {@link ConfigFiles#REQUIRED} start at line 5. */
    private String line(int n) { return f.config + ":" + n; }

    @Test void unknownKeySuggestsTheClosestValidKey() {
        assertEquals(line(6) + ": unknown key 'lerning_rate'; did you mean 'learning_rate'?",
                f.error(REQUIRED + "beta: 0.1\nlerning_rate: 1e-5\n"));
        assertEquals(line(5) + ": unknown key 'simpo_gamma'; did you mean 'simpo.gamma'?", f.error(REQUIRED + "simpo_gamma: 1\n"));
        assertEquals(line(6) + ": unknown key 'simpo.gama'; did you mean 'simpo.gamma'?", f.error(REQUIRED + "simpo:\n  gama: 1\n"));
        assertEquals(line(5) + ": unknown key 'gamma'; did you mean 'simpo.gamma'?", f.error(REQUIRED + "gamma: 1\n"));
        assertEquals(line(5) + ": unknown key 'alpha'; did you mean 'rdpo.alpha' or 'cpo.alpha'?", f.error(REQUIRED + "alpha: 1\n"));
        assertEquals(line(5) + ": unknown key 'bf16'; jpo train --print-defaults lists the keys", f.error(REQUIRED + "bf16: true\n"));
        assertEquals(line(5) + ": unknown key 'rpo_alpha'; TRL's rpo_alpha is loss_type: [sigmoid, sft] with loss_weights: [1.0, <rpo_alpha>]",
                f.error(REQUIRED + "rpo_alpha: 1.0\n"));
    }

    @Test void wrongTypesNameTheExpectedType() {
        assertEquals(line(5) + ": beta: expected a number, got \"abc\"", f.error(REQUIRED + "beta: abc\n"));
        assertEquals(line(5) + ": max_steps: expected an integer, got 10.5", f.error(REQUIRED + "max_steps: 10.5\n"));
        assertEquals(line(5) + ": per_device_train_batch_size: expected an integer, got \"8\"",
                f.error(REQUIRED + "per_device_train_batch_size: '8'\n"));
        assertEquals(line(5) + ": use_weighting: expected true or false, got 1", f.error(REQUIRED + "use_weighting: 1\n"));
        assertEquals(line(5) + ": lr_scheduler_type: expected one of linear, cosine, constant, constant_with_warmup; "
                + "got \"cosine_with_restarts\"", f.error(REQUIRED + "lr_scheduler_type: cosine_with_restarts\n"));
        assertEquals(line(1) + ": method: expected one of dpo, kto, sft, reward; got \"dop\"; did you mean 'dpo'?",
                f.error(REQUIRED.replace("method: dpo", "method: dop")));
        assertEquals(line(5) + ": loss_weights: expected a number or a list of numbers, got [1,\"a\"]",
                f.error(REQUIRED + "loss_weights: [1, a]\n"));
        assertEquals(line(5) + ": tokenizer: expected a path, got 3", f.error(REQUIRED + "tokenizer: 3\n"));
        assertEquals(line(5) + ": beta: expected a number, got {\"x\":1}", f.error(REQUIRED + "beta: {x: 1}\n"));
        assertEquals(line(5) + ": simpo: expected a block of simpo's keys, e.g. simpo: {gamma: 0.5}, got 0.5",
                f.error(REQUIRED + "simpo: 0.5\n"));
    }

    @Test void lossNamesAreCheckedWithSuggestions() {
        String m = f.error(REQUIRED + "loss_type: [sigmoid, sigmod]\n");
        assertTrue(m.startsWith(line(5) + ": loss_type: unknown loss \"sigmod\"; did you mean 'sigmoid'? (jpo losses lists them: sigmoid, cdpo,"), m);
        assertEquals(line(5) + ": loss_type: TRL's aot_pair is called aot_unpaired here", f.error(REQUIRED + "loss_type: aot_pair\n"));
        assertEquals(line(5) + ": loss_type: lists sigmoid twice", f.error(REQUIRED + "loss_type: [sigmoid, sigmoid]\n"));
        assertEquals(line(5) + ": loss_type: expected at least one loss name, got []", f.error(REQUIRED + "loss_type: []\n"));
    }

    @Test void missingRequiredKeysAreListed() {
        assertEquals(f.config + ": missing required keys model, output_dir (jpo train --print-defaults shows every key)",
                f.error("method: dpo\ntrain_file: ../data/train.jsonl\n"));
        assertEquals(f.config + ": missing required key method (jpo train --print-defaults shows every key)",
                f.error(REQUIRED.replace("method: dpo", "method:")));
        assertTrue(f.error("").startsWith(f.config + ": missing required keys method, model, train_file, output_dir"));
    }

    @Test void rangeErrorsNameTheLineKeyAndValue() {
        assertEquals(line(6) + ": learning_rate must be a finite number > 0, got -1.0",
                f.error(REQUIRED + "beta: 0.2\nlearning_rate: -1\n"));
        assertEquals(line(5) + ": max_steps must be -1 (train for num_train_epochs) or >= 1, got 0", f.error(REQUIRED + "max_steps: 0\n"));
        assertEquals(line(5) + ": adam_beta2 must be in [0, 1), got 1.0", f.error(REQUIRED + "adam_beta2: 1.0\n"));
        assertEquals(line(5) + ": gradient_accumulation_steps must be >= 1, got 0", f.error(REQUIRED + "gradient_accumulation_steps: 0\n"));
        assertEquals(line(5) + ": max_grad_norm must be a finite number >= 0 (0 = no clipping), got -1.0",
                f.error(REQUIRED + "max_grad_norm: -1\n"));
        assertEquals(line(5) + ": save_total_limit must be >= 0 (0 keeps every checkpoint), got -1", f.error(REQUIRED + "save_total_limit: -1\n"));
        assertEquals(line(5) + ": eval_fraction must be in [0, 1), got 1.0", f.error(REQUIRED + "eval_fraction: 1\n"));
        assertEquals(line(5) + ": ref_model_mixup_alpha must be in [0, 1], got 1.5",
                f.error(REQUIRED + "ref_model_mixup_alpha: 1.5\nsync_ref_model: true\n"));
        // the key at fault was not written, so the message names the file
        assertEquals(f.config + ": max_prompt_length (512) must be < max_length (256) so that completions keep a token; set max_prompt_length",
                f.error(REQUIRED + "max_length: 256\n"));
    }

    @Test void lossKnobErrorsNameTheConfigKey() {
        assertEquals(line(5) + ": beta must be a finite number > 0, got 0.0", f.error(REQUIRED + "beta: 0\n"));
        assertEquals(line(6) + ": simpo: simpo.gamma must be finite and >= 0.0, got -1.0",
                f.error(REQUIRED + "loss_type: simpo\nsimpo: {gamma: -1}\n"));
        assertEquals(line(6) + ": cdpo: label_smoothing must be in [0.0, 0.5), got 0.5",
                f.error(REQUIRED + "loss_type: cdpo\nlabel_smoothing: 0.5\n"));
        assertEquals(line(6) + ": exo_pair.epsilon: exo_pair: epsilon must be in (0, 1), e.g. 1e-3, got 0.0",
                f.error(REQUIRED + "loss_type: exo_pair\nexo_pair: {epsilon: 0}\n"));
        assertEquals(line(6) + ": f_alpha_divergence_coef must be a finite number != 0, got 0.0",
                f.error(REQUIRED + "f_divergence_type: alpha_divergence\nf_alpha_divergence_coef: 0\n"));
        assertEquals(line(6) + ": loss_weights has 1 entries but loss_type has 2 [sigmoid, sft]",
                f.error(REQUIRED + "loss_type: [sigmoid, sft]\nloss_weights: [1.0]\n"));
        assertEquals(line(6) + ": loss_weights must be finite and >= 0, got [1.0, -0.5]",
                f.error(REQUIRED + "loss_type: [sigmoid, sft]\nloss_weights: [1.0, -0.5]\n"));
    }

    @Test void keysTheRunWouldNotReadAreErrors() {
        assertEquals(line(5) + ": simpo.gamma is set, but loss_type [sigmoid] does not read it (read by simpo)",
                f.error(REQUIRED + "simpo: {gamma: 1.0}\n"));
        assertEquals(line(5) + ": label_smoothing is set, but loss_type [sigmoid] does not read it (read by cdpo, robust, aot, "
                + "aot_unpaired); TRL's sigmoid with label_smoothing is loss_type cdpo here", f.error(REQUIRED + "label_smoothing: 0.1\n"));
        assertEquals(line(6) + ": beta is set, but loss_type [orpo] does not read it (read by every loss but orpo and sft); "
                + "orpo's weight is orpo.lambda (TRL's ORPOConfig calls it beta)", f.error(REQUIRED + "loss_type: orpo\nbeta: 0.2\n"));
        assertEquals(line(5) + ": beta is set, but method sft does not read the loss keys",
                f.error(REQUIRED.replace("dpo", "sft") + "beta: 0.2\n"));
        assertEquals(line(5) + ": desirable_weight is set, but loss_type [sigmoid] does not read it (read by kto)",
                f.error(REQUIRED + "desirable_weight: 2\n"));
        assertEquals(line(5) + ": ld_alpha is set, but loss_type [kto] does not read it (read by paired losses)",
                f.error(REQUIRED.replace("dpo", "kto") + "ld_alpha: 0.5\n"));
        assertEquals(line(5) + ": f_alpha_divergence_coef is set, but f_divergence_type is reverse_kl, not alpha_divergence",
                f.error(REQUIRED + "f_alpha_divergence_coef: 0.5\n"));
        assertEquals(line(5) + ": ref_model_sync_steps is set, but sync_ref_model is false", f.error(REQUIRED + "ref_model_sync_steps: 64\n"));
        assertEquals(line(5) + ": eval_steps is set, but there is no eval data (set eval_file or eval_fraction)",
                f.error(REQUIRED + "eval_steps: 50\n"));
        // the default value may always be written (as --print-defaults and the resolved config do)
        assertEquals(0.5, f.load(REQUIRED + "simpo: {gamma: 0.5}\nbeta: 0.1\nref_model_sync_steps: 512\n").loss().simpoGamma());
    }

    @Test void contradictionsAreErrors() {
        assertEquals(line(5) + ": method dpo needs paired losses (not kto, apo_zero_unpaired; use method: kto for those), got loss_type [kto]",
                f.error(REQUIRED + "loss_type: kto\n"));
        assertEquals(line(5) + ": method kto needs unpaired losses (kto, apo_zero_unpaired), got loss_type [sigmoid]",
                f.error(REQUIRED.replace("dpo", "kto") + "loss_type: sigmoid\n"));
        assertEquals(line(5) + ": reference is none, but loss_type [sigmoid] reads a reference model; the reference-free losses are "
                + "simpo, cpo, orpo, sft", f.error(REQUIRED + "reference: none\n"));
        assertEquals(line(6) + ": reference is model, but nothing reads it (loss_type [simpo] is reference-free); set reference: none",
                f.error(REQUIRED + "loss_type: simpo\nreference: model\n"));
        assertEquals(line(5) + ": reference is model, but nothing reads it (method sft has none); set reference: none",
                f.error(REQUIRED.replace("dpo", "sft") + "reference: model\n"));
        assertEquals(line(6) + ": sync_ref_model needs a reference model, but reference is none",
                f.error(REQUIRED + "loss_type: simpo\nsync_ref_model: true\n"));
        assertEquals(line(6) + ": warmup_ratio (0.1) and warmup_steps (10) are both set; set one",
                f.error(REQUIRED + "warmup_ratio: 0.1\nwarmup_steps: 10\n"));
        assertEquals(line(6) + ": lr_scheduler_type constant has no warmup, but warmup_steps is 10; use constant_with_warmup",
                f.error(REQUIRED + "warmup_steps: 10\nlr_scheduler_type: constant\n"));
        assertEquals(line(6) + ": eval_fraction is 0.1 but eval_file is set; use one of them",
                f.error(REQUIRED + "eval_file: ../data/eval.jsonl\neval_fraction: 0.1\n"));
        assertEquals(line(5) + ": center_rewards_coefficient applies to method reward, not dpo", f.error(REQUIRED + "center_rewards_coefficient: 0.01\n"));
    }

    @Test void inputFilesMustExist() {
        assertEquals(line(2) + ": model: no such file or directory: " + f.path("m/missing.bin"),
                f.error(REQUIRED.replace("model.bin", "missing.bin")));
        assertEquals(line(3) + ": train_file: not a file: " + f.path("data"), f.error(REQUIRED.replace("../data/train.jsonl", "../data")));
        assertEquals(line(5) + ": reference: no such file or directory: " + f.path("m/nope"), f.error(REQUIRED + "reference: ../m/nope\n"));
        assertEquals(f.path("m/ref.bin"), f.load(REQUIRED + "reference: ../m/ref.bin\n").reference().model().orElseThrow());
    }

    @Test void yamlProblemsNameTheLine() {
        assertEquals(line(6) + ": key 'beta' is given twice (also at " + line(5) + ")", f.error(REQUIRED + "beta: 0.1\nbeta: 0.2\n"));
        String m = f.error(REQUIRED + "loss_type: [sigmoid,\nbeta: 0.1\n");
        assertTrue(m.startsWith(f.config + ":") && m.contains(": not valid YAML: while parsing a flow sequence"), m);
        assertEquals(line(1) + ": a config is a mapping of 'key: value' lines, got [", f.error("- method: dpo\n"));
        assertEquals(tmp.resolve("none.yaml") + ": config file not found",
                assertThrows(UserError.class, () -> TrainConfigs.load(tmp.resolve("none.yaml"), List.of())).getMessage());
    }

    @Test void badOverridesAreNamed() {
        assertEquals("override 'beta=abc': beta: expected a number, got \"abc\"", f.error(REQUIRED, "beta=abc"));
        assertEquals("override 'lerning_rate=1e-5': unknown key 'lerning_rate'; did you mean 'learning_rate'?",
                f.error(REQUIRED, "lerning_rate=1e-5"));
        assertEquals("override 'beta': expected key=value, e.g. beta=0.2 or simpo.gamma=1.0", f.error(REQUIRED, "beta"));
        assertEquals("override 'simpo.gamma=-1': simpo: simpo.gamma must be finite and >= 0.0, got -1.0",
                f.error(REQUIRED, "loss_type=simpo", "simpo.gamma=-1"));
        assertEquals("override 'simpo.gamma=2': simpo.gamma is set, but loss_type [sigmoid] does not read it (read by simpo)",
                f.error(REQUIRED, "simpo.gamma=2"));
        assertTrue(f.error(REQUIRED, "loss_type=[sigmoid").startsWith("override 'loss_type=[sigmoid': not valid YAML:"));
    }

    @Test void errorsCarryTheKey() {
        ConfigError e = assertThrows(ConfigError.class, () -> f.load(REQUIRED + "loss_type: simpo\nsimpo: {gamma: -1}\n"));
        assertEquals("simpo.gamma", e.key());
        ConfigError direct = assertThrows(ConfigError.class, () -> new TrainConfig.Logging(0, 1, 1, 0));
        assertEquals("logging_steps", direct.key());
        assertEquals("logging_steps must be >= 1, got 0", direct.getMessage());
        ConfigError ref = assertThrows(ConfigError.class, () -> new TrainConfig.Reference(true, Optional.of(tmp), false, 0.6, 512));
        assertEquals("reference", ref.key());
    }
}
