package org.jpo.loop;

import org.jpo.testing.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A bad loop config fails before any work starts — nothing sampled, nothing written to output_dir — with a message
 * that names the file and line (or the prompt row) and what was expected.
 */
class LoopConfigErrorsTest {
    @TempDir Path tmp;

    /** Each case replaces sections of a good config (see {@link #base}); the expected text is part of the message. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "unknown key        | sampling: {n: 4, tempreature: 0.7}                     | loop.yaml:18: unknown key 'tempreature' in 'sampling'; did you mean 'temperature'?",
            "unknown top key    | rounds_per_epoch: 3                                    | loop.yaml:19: unknown key 'rounds_per_epoch' in 'run'; write rounds: N",
            "missing prompts    | prompts: {file: nowhere.jsonl, eval_fraction: 0.2}     | nowhere.jsonl",
            "n < 2 pairwise     | sampling: {n: 1}                                       | loop.yaml:18: sampling.n is 1, but strategy best_worst pairs samples of one prompt: n must be >= 2",
            "n = 1 for best     | sampling: {n: 1}\\npairs: {strategy: best_worst}       | sampling.n is 1",
            "unknown type       | feedback: [{type: contain, words: [park]}]             | did you mean 'contains'?",
            "kto loss for pairs | train: {loss_type: kto}                                | train.loss_type kto is an unpaired loss, but strategy best_worst makes pairs (strategy unpaired makes KTO rows)",
            "sppo without probs | train: {loss_type: sppo}                               | loss_type sppo reads win probabilities, which only strategy sppo writes",
            "no eval set        | prompts: {file: prompts.jsonl}                         | set eval_file or eval_fraction",
            "unread ema_rate    | ema_rate: 0.3                                          | ema_rate is set, but reference is initial, not ema",
            "reference for sft  | pairs: {strategy: best}\\nreference: previous_round    | reference is set, but the round's loss (best → sft) reads no reference",
            "per_round too big  | prompts: {file: prompts.jsonl, per_round: 100, eval_fraction: 0.2} | prompts.per_round is 100 but only 32 prompts are left for training",
            "remote without url | sampling: {n: 4, engine: remote, model: m}            | engine remote needs url",
            "remote bad url     | sampling: {n: 4, engine: remote, model: m, url: 'localhost:8000'} | url must be an http(s) URL like http://127.0.0.1:8000/v1, got localhost:8000",
            "remote no model    | sampling: {n: 4, engine: remote, url: 'http://h:1/v1'} | engine remote needs model",
            "sync command empty | sampling: {n: 4, engine: remote, model: m, url: 'http://h:1/v1', sync: command} | sync is command but sync_command is empty",
            "url with local     | sampling: {n: 4, url: 'http://h:1/v1'}                 | sampling.url is set, but only engine remote reads it (engine is local)",
            "command for load   | sampling: {n: 4, engine: remote, model: m, url: 'http://h:1/v1', sync_command: [x]} | sampling.sync_command is set, but only sync command reads it (sync is load)",
            "uncertainty, no σ  | pairs: {uncertainty_k: 1.0}                           | pairs.uncertainty_k reads the scores' spread, which only an ensemble or a judge with k > 1 gives",
            "tr-dpo α range     | train: {sync_ref_model: true, ref_model_mixup_alpha: 2} | loop.yaml:10: train.ref_model_mixup_alpha must be in [0, 1], got 2.0",
            "tr-dpo unread      | train: {ref_model_sync_steps: 64}                      | loop.yaml:10: train.ref_model_sync_steps is set, but sync_ref_model is false",
            "tr-dpo, no ref     | train: {loss_type: simpo, sync_ref_model: true}        | train.sync_ref_model needs a reference model, but reference is none",
            "lora unread        | train: {lora_alpha: 32}                                | loop.yaml:10: train.lora_alpha is set, but lora_r is 0 (no adapters)",
            "api key in file    | sampling: {n: 4, engine: remote, model: m, url: 'http://h:1/v1', api_key: sk-x} | unknown key 'api_key' in 'sampling'; write the name of the environment variable holding the key as api_key_env",
            "group, dpo loss    | pairs: {strategy: group}\\ntrain: {loss_type: sigmoid}   | train.loss_type [sigmoid] is not a group loss, but pairs.strategy group makes group rows",
            "grpo, not group    | train: {loss_type: grpo}                               | train.loss_type [grpo] trains on the samples of a prompt with their advantages, which only pairs.strategy group makes (strategy is best_worst)",
            "grpo + sft         | pairs: {strategy: group}\\ntrain: {loss_type: [grpo, sft]} | loss_type: grpo, dr_grpo, rloo and spo cannot be combined with other losses",
            "group, no ref read | pairs: {strategy: group}\\ntrain: {loss_type: rloo}\\nreference: previous_round | reference is set, but train.loss_type [rloo] with train.beta 0 reads no reference",
            "group, history     | pairs: {strategy: group, history: 2}\\ntrain: {loss_type: grpo} | pairs.history is 2, but strategy group is on-policy",
            "group, epochs      | pairs: {strategy: group}\\ntrain: {loss_type: dr_grpo, num_train_epochs: 2} | train.num_train_epochs is set, but strategy group makes train.num_iterations passes",
            "group, epsilon     | pairs: {strategy: group}\\ntrain: {loss_type: grpo, epsilon: 0} | train.epsilon must be",
            "list, dpo loss     | pairs: {strategy: list}\\ntrain: {loss_type: sigmoid}    | train.loss_type [sigmoid] is not a listwise loss, but pairs.strategy list makes ranked rows (prompt, completions, scores): use loss_type pro, lipo or mpo",
            "mpo, not list      | train: {loss_type: mpo}                                | train.loss_type [mpo] is listwise: it trains on a prompt's samples as one ranked list, which only pairs.strategy list makes (strategy is best_worst)",
            "lipo for group     | pairs: {strategy: group}\\ntrain: {loss_type: lipo}    | train.loss_type [lipo] is not a group loss, but pairs.strategy group makes group rows",
            "pro + sft          | pairs: {strategy: list}\\ntrain: {loss_type: [pro, sft]} | loss_type: pro, lipo and mpo cannot be combined with other losses",
            "list, n = 1        | pairs: {strategy: list}\\nsampling: {n: 1}             | sampling.n is 1, but strategy list pairs samples of one prompt: n must be >= 2",
            "pro, reference     | pairs: {strategy: list}\\ntrain: {loss_type: pro}\\nreference: previous_round | reference is set, but the round's loss (list → list) reads no reference",
            "mpo α < 0          | pairs: {strategy: list}\\ntrain: {loss_type: mpo, mpo: {alpha: -1}} | train.mpo.alpha must be a finite number >= 0, got -1.0",
            "pro knob for mpo   | pairs: {strategy: list}\\ntrain: {loss_type: mpo, pro: {sft_weight: 0.1}} | train.pro.sft_weight is set, but loss_type [mpo] does not read it (read by pro)",
            "list, uncertainty  | pairs: {strategy: list, uncertainty_k: 1.0}\\ntrain: {loss_type: lipo}\\nfeedback: [{type: ensemble, members: [{type: contains, words: [park]}, {type: contains, words: [dog]}]}] | pairs.uncertainty_k is set, but strategy list makes no pairs",
            "epsilon for dpo    | train: {loss_type: sigmoid, epsilon: 0.3}              | train.epsilon is set, but loss_type [sigmoid] does not read it (read by grpo, dr_grpo, rloo, nash_md, spo)",
            "uncertainty, best  | pairs: {strategy: best, uncertainty_k: 1.0}\\nfeedback: [{type: ensemble, members: [{type: contains, words: [park]}, {type: contains, words: [dog]}]}] | pairs.uncertainty_k is set, but strategy best makes no pairs",
            "tree, other strategy | sampling: {tree: {children: 2}}                      | sampling.tree makes step-level pairs only: set pairs.strategy: tree (strategy is best_worst)",
            "tree strategy, no tree | pairs: {strategy: tree}                            | pairs.strategy tree pairs the steps of search trees: set sampling.tree",
            "tree, remote       | sampling: {engine: remote, model: m, url: 'http://h:1/v1', tree: {}}\\npairs: {strategy: tree} | tree search needs engine local",
            "tree, n            | sampling: {n: 4, tree: {}}\\npairs: {strategy: tree}  | sampling.n is set, but tree draws tree.children steps per expansion, not n samples",
            "tree, children 1   | sampling: {tree: {children: 1}}\\npairs: {strategy: tree} | sampling.tree.children must be >= 2, got 1",
            "inpo, best_worst   | train: {loss_type: inpo}                               | train.loss_type inpo reads each pair's preference P(y⁺ ≻ y⁻), which only pairs.strategy round_robin writes (strategy is best_worst)",
            "round_robin, no judge | pairs: {strategy: round_robin}\\ntrain: {loss_type: egpo} | pairs.strategy round_robin reads each pair's P(i ≻ j) from a pairwise scorer's win_probs, and feedback lists none",
            "round_robin, dpo   | pairs: {strategy: round_robin}\\ntrain: {loss_type: sigmoid}\\nfeedback: [{type: pairwise_judge, url: 'http://h:1/v1', model: m}] | set train.loss_type to inpo or egpo (it is [sigmoid])",
            "inpo, ema          | pairs: {strategy: round_robin}\\ntrain: {loss_type: inpo}\\nreference: ema\\nfeedback: [{type: pairwise_judge, url: 'http://h:1/v1', model: m}] | train.loss_type inpo regularizes toward a fixed π_ref (the round's start is read separately, as π_t): set reference: initial (it is ema)",
            "inpo, history      | pairs: {strategy: round_robin, history: 2}\\ntrain: {loss_type: inpo}\\nfeedback: [{type: pairwise_judge, url: 'http://h:1/v1', model: m}] | pairs.history is 2, but inpo trains on pairs of the policy's own samples of the round; set history: 1",
            "inpo, eta·beta > 1 | pairs: {strategy: round_robin}\\ntrain: {loss_type: inpo, inpo: {eta: 20}}\\nfeedback: [{type: pairwise_judge, url: 'http://h:1/v1', model: m}] | train.inpo.eta·beta must be <= 1 (π_t's weight in the step is 1 − ηβ), got 20.0·0.1",
            "egpo, remote       | sampling: {n: 4, engine: remote, model: m, url: 'http://h:1/v1'}\\npairs: {strategy: round_robin}\\ntrain: {loss_type: egpo}\\nfeedback: [{type: pairwise_judge, url: 'http://h:1/v1', model: m}] | train.loss_type egpo samples from the extrapolated policy π_{t+½} inside the round, from the weights in memory: use engine: local",
            "spo, contains      | pairs: {strategy: group}\\ntrain: {loss_type: spo}       | train.loss_type spo's reward is each sample's win rate against the round's other samples: feedback must be one pairwise scorer (pairwise_judge) at weight 1, got [ContainsVerifier at weight 1.0]",
            "spo, not group     | train: {loss_type: spo}\\nfeedback: [{type: pairwise_judge, url: 'http://h:1/v1', model: m}] | train.loss_type [spo] trains on the samples of a prompt with their advantages, which only pairs.strategy group makes",
            "tree, eos          | sampling: {tree: {}}\\npairs: {strategy: tree, eos: always} | pairs.eos is set, but strategy tree trains on the steps as sampled",
            "nash_md, not group | train: {loss_type: nash_md}                            | train.loss_type [nash_md] trains on the samples of a prompt with their advantages, which only pairs.strategy group makes",
            "nash_md, remote    | sampling: {n: 4, engine: remote, model: m, url: 'http://h:1/v1'}\\npairs: {strategy: group}\\ntrain: {loss_type: nash_md} | loss_type nash_md samples each opponent token by token from the geometric mixture of the policy's and the reference's logits, so it needs both models local",
            "nash_md, 2 scorers | feedback: [{type: contains, words: [park]}, {type: contains, words: [dog]}]\\npairs: {strategy: group}\\ntrain: {loss_type: nash_md} | loss_type nash_md reads P(y ≻ y′) of each sample and its opponent from one pairwise scorer",
            "nash_md, pointwise | pairs: {strategy: group}\\ntrain: {loss_type: nash_md}  | loss_type nash_md needs P(y ≻ y′) of each sample and its opponent, which only a pairwise scorer gives",
            "nash_md, β range   | pairs: {strategy: group}\\ntrain: {loss_type: nash_md, mixture_coef: 2} | train.mixture_coef must be in [0, 1], got 2.0",
            "nash_md, prev round | reference: previous_round\\npairs: {strategy: group}\\ntrain: {loss_type: nash_md, mixture_coef: 0.3} | train.mixture_coef is set, but reference is previous_round, the round's policy itself",
            "mixture_coef unread | pairs: {strategy: group}\\ntrain: {loss_type: grpo, mixture_coef: 0.3} | train.mixture_coef is set, but loss_type [grpo] does not read it (read by nash_md)",
    })
    void failsBeforeAnyWork(String name, String lines, String expected) throws Exception {
        Path config = base(lines.replace("\\n", "\n"));
        Cli.Result r = Cli.run("run", config.toString());
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains(expected), "expected '" + expected + "' in:\n" + r.err());
        assertFalse(Files.exists(tmp.resolve("out/round-000")), "work started before the error");
    }

    @Test void aScoredFieldThePromptRowsLackIsNamedWithItsLine() throws Exception {
        Path config = base("feedback: [{type: math}]");
        Cli.Result r = Cli.run("run", config.toString());
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("prompts.jsonl:1: the row has no 'answer' field, which the feedback reads"), r.err());
        assertFalse(Files.exists(tmp.resolve("out")), "output_dir was created before the error");
    }

    /** 10^9 new tokens once sized a KV cache of 256 GB and died in a native dump, leaving a directory that blocked a rerun. */
    @Test void moreNewTokensThanTheContextWindowFailBeforeAnyWork() throws Exception {
        Path config = base("");
        Cli.Result r = Cli.run("run", config.toString(), "sampling.max_new_tokens=1000000000");
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("sampling.max_new_tokens is 1000000000 but the policy's context window is 512 tokens"), r.err());
        assertFalse(Files.exists(tmp.resolve("out")), "output_dir was created before the error");
    }

    @Test void anOutputDirThatIsAFileIsNamedAndKept() throws Exception {
        Path config = base("");
        Path file = Files.writeString(tmp.resolve("afile"), "precious");
        Cli.Result r = Cli.run("run", config.toString(), "output_dir=" + file);
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("output_dir " + file + " is a file, not a directory"), r.err());
        assertEquals("precious", Files.readString(file));
    }

    @Test void anEmptyPromptFileIsAnError() throws Exception {
        Path config = base("");
        Files.writeString(tmp.resolve("prompts.jsonl"), "");
        Cli.Result r = Cli.run("run", config.toString());
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("prompts.jsonl: no prompts (the file is empty)"), r.err());
    }

    @Test void aBadPromptRowNamesItsLine() throws Exception {
        Path config = base("");
        Files.writeString(tmp.resolve("prompts.jsonl"), "{\"prompt\": \"a\"}\n{\"question\": \"b\"}\n");
        Cli.Result r = Cli.run("run", config.toString());
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("prompts.jsonl:2: missing field 'prompt' (fields: question)"), r.err());
    }

    @Test void aStartedRunNeedsResumeAndTheSameConfig() throws Exception {
        Path config = base("");
        Path out = tmp.resolve("out");
        Files.createDirectories(out);
        Files.writeString(out.resolve("config.resolved.yaml"), LoopConfig.load(config, java.util.List.of()).toYaml());
        Cli.Result r = Cli.run("run", config.toString());
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("holds a run already (config.resolved.yaml); add --resume to continue it"), r.err());
        r = Cli.run("run", config.toString(), "--resume", "sampling.temperature=0.5");
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("--resume: the config differs from the run's in " + out.resolve("config.resolved.yaml")
                + ": 'temperature: 1.0' is now 'temperature: 0.5'"), r.err());
        assertFalse(Files.exists(out.resolve("round-000")));
    }

    @Test void printDefaultsListsTheContractKeys() {
        Cli.Result r = Cli.run("run", "--print-defaults");
        assertEquals(0, r.exit(), r.toString());
        for (String key : java.util.List.of("output_dir:", "seed: 0", "rounds: 3", "policy:", "tokenizer: null", "reference: initial",
                "momentum: 0.0", "prompts:", "  per_round: 64", "sampling:", "  n: 8", "  top_k: 0", "  max_new_tokens: 64", "feedback:",
                "pairs:", "  strategy: best_worst", "  history: 1", "  eos: finished_only", "train:", "  learning_rate: null", "eval:",
                "  samples: 4", "  pass_threshold: 1.0", "early_stop:", "  patience: 0")) {
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith(key)), "no line '" + key + "' in\n" + r.out());
        }
    }

    /** A good config (stories260K, "park"), then {@code extra}: a case's lines replace the section they name. */
    private Path base(String extra) throws Exception {
        LoopFixtures.prompts(tmp, "");
        String good = LoopFixtures.storiesConfig(tmp).toString();
        StringBuilder yaml = new StringBuilder();
        java.util.Set<String> replaced = new java.util.HashSet<>();
        for (String l : extra.split("\n")) if (l.contains(":")) replaced.add(l.substring(0, l.indexOf(':')).strip());
        boolean skipping = false;
        for (String l : Files.readAllLines(Path.of(good))) {
            boolean top = !l.startsWith(" ");
            if (top) skipping = replaced.contains(l.substring(0, Math.max(0, l.indexOf(':'))));
            if (!skipping) yaml.append(l).append('\n');
        }
        yaml.append(extra).append('\n');
        return Files.writeString(tmp.resolve("loop.yaml"), yaml.toString());
    }
}
