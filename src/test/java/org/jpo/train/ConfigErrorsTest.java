package org.jpo.train;

import org.jpo.UserError;
import org.jpo.config.ConfigError;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.jpo.train.ConfigFiles.REQUIRED;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Each config mistake is one message naming file:line (or the override), the key, the bad value and what was
 * expected. {@code @N:} in an expected message stands for "cfg/config.yaml:N:"; keys added after
 * {@link ConfigFiles#REQUIRED} start at line 5. A case whose message only starts with the expectation ends in "…".
 */
class ConfigErrorsTest {
    @TempDir Path tmp;
    ConfigFiles f;

    @BeforeEach void files() { f = new ConfigFiles(tmp); }

    static final String LOSSES = "sigmoid, cdpo, robust, hinge, ipo, exo_pair, nca_pair, bco_pair, sppo_hard, sppo, inpo, egpo, aot, "
            + "aot_unpaired, apo_zero, apo_down, discopop, sigmoid_norm, dpop, rdpo, simpo, cpo, orpo, sft, kto, apo_zero_unpaired, grpo, dr_grpo, rloo, nash_md, pro, lipo, mpo, spo";

    static Arguments c(String yaml, String expected, String... overrides) { return Arguments.of(yaml, expected, overrides); }

    static String dpo(String extra) { return REQUIRED + extra; }

    static String method(String m, String extra) { return REQUIRED.replace("method: dpo", "method: " + m) + extra; }

    static Stream<Arguments> unknownKeys() {
        return Stream.of(
                c(dpo("beta: 0.1\nlerning_rate: 1e-5\n"), "@6: unknown key 'lerning_rate' in 'train'; did you mean 'learning_rate'?"),
                c(dpo("simpo_gamma: 1\n"), "@5: unknown key 'simpo_gamma' in 'train'; did you mean 'simpo.gamma'?"),
                c(dpo("simpo:\n  gama: 1\n"), "@6: unknown key 'gama' in 'simpo'; did you mean 'gamma'?"),
                c(dpo("gamma: 1\n"), "@5: unknown key 'gamma' in 'train'; did you mean 'simpo.gamma'?"),
                c(dpo("alpha: 1\n"), "@5: unknown key 'alpha' in 'train'; did you mean 'rdpo.alpha' or 'cpo.alpha' or 'mpo.alpha'?"),
                c(dpo("gradient_checkpointing: true\n"), "@5: unknown key 'gradient_checkpointing' in 'train'; jpo train --print-defaults lists the keys"),
                c(dpo("rpo_alpha: 1.0\n"), "@5: unknown key 'rpo_alpha' in 'train'; TRL's rpo_alpha is loss_type: [sigmoid, sft] "
                        + "with loss_weights: [1.0, <rpo_alpha>]"),
                c(REQUIRED, "override 'lerning_rate=1e-5': unknown key 'lerning_rate' in 'train'; did you mean 'learning_rate'?",
                        "lerning_rate=1e-5"));
    }

    static Stream<Arguments> wrongTypes() {
        return Stream.of(
                c(dpo("beta: abc\n"), "@5: beta: expected a number, got \"abc\""),
                c(dpo("max_steps: 10.5\n"), "@5: max_steps: expected an integer, got 10.5"),
                c(dpo("per_device_train_batch_size: '8'\n"), "@5: per_device_train_batch_size: expected an integer, got \"8\""),
                c(dpo("use_weighting: 1\n"), "@5: use_weighting: expected true or false, got 1"),
                c(dpo("lr_scheduler_type: cosine_with_restarts\n"), "@5: lr_scheduler_type: expected one of linear, cosine, "
                        + "constant, constant_with_warmup; got \"cosine_with_restarts\""),
                c(method("dop", ""), "@1: method: expected one of dpo, kto, sft, reward, preference, group, list; got \"dop\"; did you mean 'dpo'?"),
                c(dpo("loss_weights: [1, a]\n"), "@5: loss_weights: expected a number, got \"a\" (item 2 of [1,\"a\"])"),
                c(dpo("tokenizer: 3\n"), "@5: tokenizer: expected a path, got 3"),
                c(dpo("beta: {x: 1}\n"), "@5: beta: expected a number, got {\"x\":1}"),
                c(dpo("simpo: 0.5\n"), "@5: simpo: expected a block of simpo's keys, e.g. simpo: {gamma: ...}, got 0.5"),
                c(dpo("loss_type: [sigmoid, sigmod]\n"), "@5: loss_type: expected one of sigmoid, cdpo, …"),
                c(dpo("loss_type: [sigmoid, sigmod]\n"), "@5: loss_type: expected one of sigmoid, cdpo, robust, hinge, ipo, "
                        + "exo_pair, nca_pair, bco_pair, sppo_hard, sppo, inpo, egpo, aot, aot_unpaired, apo_zero, apo_down, discopop, "
                        + "sigmoid_norm, dpop, rdpo, simpo, cpo, orpo, sft, kto, apo_zero_unpaired, grpo, dr_grpo, rloo, nash_md, pro, lipo, mpo, spo; got \"sigmod\"; did you mean "
                        + "'sigmoid'? (item 2 of [\"sigmoid\",\"sigmod\"])"),
                c(dpo("loss_type: aot_pair\n"), "@5: loss_type: expected one of " + LOSSES + "; got \"aot_pair\"; TRL's aot_pair is "
                        + "called aot_unpaired here"),
                c(dpo("loss_type: [sigmoid, sigmoid]\n"), "@5: loss_type lists a loss twice: [sigmoid, sigmoid]"),
                c(dpo("loss_type: []\n"), "@5: loss_type: expected at least one loss name, got []"),
                c(REQUIRED, "override 'beta=abc': beta: expected a number, got \"abc\"", "beta=abc"));
    }

    static Stream<Arguments> missingKeys() {
        return Stream.of(
                c("method: dpo\ntrain_file: ../data/train.jsonl\n", "cfg/config.yaml: missing required keys model, output_dir "
                        + "(jpo train --print-defaults shows every key)"),
                c(REQUIRED.replace("method: dpo", "method:"), "cfg/config.yaml: missing required key method (jpo train "
                        + "--print-defaults shows every key)"),
                c("", "cfg/config.yaml: missing required keys method, model, train_file, output_dir …"));
    }

    static Stream<Arguments> badValues() {
        return Stream.of(
                c(dpo("beta: 0.2\nlearning_rate: -1\n"), "@6: learning_rate must be a finite number > 0, got -1.0"),
                c(dpo("max_steps: 0\n"), "@5: max_steps must be -1 (train for num_train_epochs) or >= 1, got 0"),
                c(dpo("logprob_chunk_size: -1\n"), "@5: logprob_chunk_size must be >= 0, got -1"),
                c(dpo("adam_beta2: 1.0\n"), "@5: adam_beta2 must be in [0, 1), got 1.0"),
                c(dpo("gradient_accumulation_steps: 0\n"), "@5: gradient_accumulation_steps must be >= 1, got 0"),
                c(dpo("max_grad_norm: -1\n"), "@5: max_grad_norm must be a finite number >= 0, got -1.0"),
                c(dpo("save_total_limit: -1\n"), "@5: save_total_limit must be >= 0, got -1"),
                c(dpo("eval_fraction: 1\n"), "@5: eval_fraction must be in [0, 1), got 1.0"),
                c(dpo("ref_model_mixup_alpha: 1.5\nsync_ref_model: true\n"), "@5: ref_model_mixup_alpha must be in [0, 1], got 1.5"),
                // the key at fault was not written, so the message names the file
                c(dpo("max_length: 256\n"), "cfg/config.yaml: max_prompt_length (512) must be < max_length (256) so that "
                        + "completions keep a token; set max_prompt_length"),
                c(dpo("beta: 0\n"), "@5: beta must be a finite number > 0, got 0.0"),
                c(dpo("loss_type: simpo\nsimpo: {gamma: -1}\n"), "@6: simpo.gamma must be a finite number >= 0, got -1.0"),
                c(dpo("loss_type: cdpo\nlabel_smoothing: 0.5\n"), "@6: label_smoothing must be in [0, 0.5), got 0.5"),
                c(dpo("loss_type: exo_pair\nexo_pair: {epsilon: 0}\n"), "@6: exo_pair.epsilon must be in (0, 1), e.g. 1e-3, got 0.0"),
                c(dpo("f_divergence_type: alpha_divergence\nf_alpha_divergence_coef: 0\n"),
                        "@6: f_alpha_divergence_coef must be a finite number != 0, got 0.0"),
                c(dpo("loss_type: [sigmoid, sft]\nloss_weights: [1.0]\n"), "@6: loss_weights has 1 entries but loss_type has 2 [sigmoid, sft]"),
                c(dpo("loss_type: [sigmoid, sft]\nloss_weights: [1.0, -0.5]\n"), "@6: loss_weights must be finite and >= 0, got [1.0, -0.5]"),
                c(dpo("loss_type: [sft, bco_pair]\nbco_pair: {running_mean: true}\n"),
                        "@6: bco_pair.running_mean needs bco_pair first in loss_type, got [sft, bco_pair]"),
                c(REQUIRED, "override 'simpo.gamma=-1': simpo.gamma must be a finite number >= 0, got -1.0", "loss_type=simpo", "simpo.gamma=-1"));
    }

    static Stream<Arguments> unreadKeys() {
        return Stream.of(
                c(dpo("simpo: {gamma: 1.0}\n"), "@5: simpo.gamma is set, but loss_type [sigmoid] does not read it (read by simpo)"),
                c(method("sft", "prefix_sharing: false\n"), "@5: prefix_sharing is set, but only methods dpo and list read it"),
                c(dpo("label_smoothing: 0.1\n"), "@5: label_smoothing is set, but loss_type [sigmoid] does not read it (read by "
                        + "cdpo, robust, aot, aot_unpaired); TRL's sigmoid with label_smoothing is loss_type cdpo here"),
                c(dpo("loss_type: orpo\nbeta: 0.2\n"), "@6: beta is set, but loss_type [orpo] does not read it (read by every "
                        + "loss but orpo, sft and pro); orpo's weight is orpo.lambda (TRL's ORPOConfig calls it beta)"),
                c(method("sft", "beta: 0.2\n"), "@5: beta is set, but method sft does not read the loss keys"),
                c(method("preference", "loss_type: ipo\n"), "@5: loss_type is set, but method preference does not read the loss keys"),
                c(dpo("desirable_weight: 2\n"), "@5: desirable_weight is set, but loss_type [sigmoid] does not read it (read by kto)"),
                c(method("kto", "ld_alpha: 0.5\n"), "@5: ld_alpha is set, but loss_type [kto] does not read it (read by paired losses)"),
                c(dpo("f_alpha_divergence_coef: 0.5\n"), "@5: f_alpha_divergence_coef is set, but f_divergence_type is "
                        + "reverse_kl, not alpha_divergence"),
                c(dpo("ref_model_sync_steps: 64\n"), "@5: ref_model_sync_steps is set, but sync_ref_model is false"),
                c(dpo("eval_steps: 50\n"), "@5: eval_steps is set, but there is no eval data (set eval_file or eval_fraction)"),
                c(REQUIRED, "override 'simpo.gamma=2': simpo.gamma is set, but loss_type [sigmoid] does not read it (read by simpo)",
                        "simpo.gamma=2"));
    }

    static Stream<Arguments> contradictions() {
        return Stream.of(
                c(dpo("loss_type: kto\n"), "@5: method dpo needs paired losses (not kto, apo_zero_unpaired; use method: kto for "
                        + "those), got loss_type [kto]"),
                c(method("kto", "loss_type: sigmoid\n"), "@5: method kto needs unpaired losses (kto, apo_zero_unpaired), got loss_type [sigmoid]"),
                c(dpo("reference: none\n"), "@5: reference is none, but loss_type [sigmoid] reads a reference model; the "
                        + "reference-free losses are simpo, cpo, orpo, sft"),
                c(dpo("loss_type: simpo\nreference: model\n"), "@6: reference is model, but nothing reads it (loss_type [simpo] "
                        + "is reference-free); set reference: none"),
                c(method("sft", "reference: model\n"), "@5: reference is model, but nothing reads it (method sft has none); set reference: none"),
                c(dpo("loss_type: simpo\nsync_ref_model: true\n"), "@6: sync_ref_model needs a reference model, but reference is none"),
                c(dpo("warmup_ratio: 0.1\nwarmup_steps: 10\n"), "@6: warmup_ratio (0.1) and warmup_steps (10) are both set; set one"),
                c(dpo("warmup_steps: 10\nlr_scheduler_type: constant\n"), "@6: lr_scheduler_type constant has no warmup, but "
                        + "warmup_steps is 10; use constant_with_warmup"),
                c(dpo("eval_file: ../data/eval.jsonl\neval_fraction: 0.1\n"), "@6: eval_fraction is 0.1 but eval_file is set; use one of them"),
                c(dpo("center_rewards_coefficient: 0.01\n"), "@5: center_rewards_coefficient applies to method reward, not dpo"),
                c(method("preference", "center_rewards_coefficient: 0.01\n"), "@5: center_rewards_coefficient applies to method reward, not preference"),
                c(method("preference", "lora_r: 8\n"), "@5: lora_r is 8, but method preference trains every weight; set lora_r: 0"),
                c(method("preference", "reference: model\n"), "@5: reference is model, but nothing reads it (method preference has none); set reference: none"));
    }

    static Stream<Arguments> yamlProblems() {
        return Stream.of(
                c(dpo("beta: 0.1\nbeta: 0.2\n"), "@6: key 'beta' is given twice (also at cfg/config.yaml:5)"),
                c(dpo("loss_type: [sigmoid,\nbeta: 0.1\n"), "cfg/config.yaml:…"),
                c("- method: dpo\n", "@1: a config is a mapping of 'key: value' lines, got ["),
                c(REQUIRED, "override 'beta': expected key=value, e.g. beta=0.2 or simpo.gamma=1.0", "beta"),
                c(REQUIRED, "override 'loss_type=[sigmoid': not valid YAML: …", "loss_type=[sigmoid"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource({"unknownKeys", "wrongTypes", "missingKeys", "badValues", "unreadKeys", "contradictions", "yamlProblems"})
    void oneClearMessage(String yaml, String expected, String[] overrides) {
        String want = expected.replaceFirst("^@(\\d+):", "cfg/config.yaml:$1:").replace("cfg/", tmp.resolve("cfg") + "/");
        String got = f.error(yaml, overrides);
        if (want.endsWith("…")) assertTrue(got.startsWith(want.substring(0, want.length() - 1)), got);
        else assertEquals(want, got);
    }

    @Test void inputFilesMustExist() {
        assertEquals(f.config + ":2: model: no such file or directory: " + f.path("m/missing.bin"),
                f.error(REQUIRED.replace("model.bin", "missing.bin")));
        assertEquals(f.config + ":3: train_file: not a file: " + f.path("data"), f.error(REQUIRED.replace("../data/train.jsonl", "../data")));
        assertEquals(f.config + ":5: reference: no such file or directory: " + f.path("m/nope"), f.error(REQUIRED + "reference: ../m/nope\n"));
        assertEquals(f.path("m/ref.bin"), f.load(REQUIRED + "reference: ../m/ref.bin\n").reference().model().orElseThrow());
        assertEquals(tmp.resolve("none.yaml") + ": config file not found",
                assertThrows(UserError.class, () -> TrainConfig.load(tmp.resolve("none.yaml"), List.of())).getMessage());
    }

    @Test void errorsCarryTheKey() {
        ConfigError e = assertThrows(ConfigError.class, () -> f.load(REQUIRED + "loss_type: simpo\nsimpo: {gamma: -1}\n"));
        assertEquals("simpo.gamma", e.key());
        ConfigError direct = assertThrows(ConfigError.class, () -> new TrainConfig.Logging(0, 1, 1, 0));
        assertEquals("logging_steps", direct.key());
        assertEquals("logging_steps must be >= 1, got 0", direct.getMessage());
    }
}
