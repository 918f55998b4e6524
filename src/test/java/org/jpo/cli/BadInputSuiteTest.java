package org.jpo.cli;

import org.jpo.io.DirLock;
import org.jpo.testing.Cli;
import org.jpo.testing.Shared;
import org.jpo.testing.Tree;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Bad input against every command (issue 19): each case ends with exit 2, one {@code error:} line naming the file and
 * line, the key or the flag, no stack trace or native frames, and every file of the earlier work — a finished
 * {@code jpo run}, a finished {@code jpo train}, a converted model, an earlier output file, and the inputs themselves —
 * byte-identical afterwards, with nothing new beside them.
 */
class BadInputSuiteTest {
    @TempDir static Path root;
    static Path in, earlier;
    static String model, tokenizer;

    @BeforeAll static void earlierWork() throws IOException {
        model = Shared.stories260K().toString();
        tokenizer = Shared.tok512().toString();
        in = Files.createDirectories(root.resolve("in"));
        earlier = Files.createDirectories(root.resolve("earlier"));
        inputs();
        Files.writeString(earlier.resolve("out.jsonl"), "{\"an\": \"earlier output\"}\n");
        Files.writeString(earlier.resolve("afile"), "precious");
        succeed("convert", "--model", model, "--tokenizer", tokenizer, "--out", earlier.resolve("hf").toString());
        succeed("train", in.resolve("train.yaml").toString(), "--quiet");
        succeed("run", in.resolve("loop.yaml").toString(), "--quiet");
        succeed("bandit", "apo-momentum", "--out", earlier.resolve("bandit").toString());
        // a model whose weights end half-way
        succeed("convert", "--model", model, "--tokenizer", tokenizer, "--out", in.resolve("hf-cut").toString());
        Path st = in.resolve("hf-cut/model.safetensors");
        byte[] bytes = Files.readAllBytes(st);
        Files.write(st, Arrays.copyOf(bytes, bytes.length / 2));
    }

    private static void inputs() throws IOException {
        write("pairs.jsonl", "{\"prompt\": \"Once\", \"chosen\": \" a dog.\", \"rejected\": \" a cat.\"}\n".repeat(4));
        write("train.yaml", "method: dpo\nmodel: " + model + "\ntokenizer: " + tokenizer + "\ntrain_file: " + in.resolve("pairs.jsonl")
                + "\noutput_dir: " + earlier.resolve("trained") + "\nmax_steps: 2\nsave_steps: 1\nper_device_train_batch_size: 2\n"
                + "max_length: 32\nmax_prompt_length: 16\n");
        write("tab.yaml", "method: dpo\nmodel: m.bin\n\ttrain_file: t.jsonl\n");
        List<String> stories = new ArrayList<>();
        for (String o : new String[] {"Once upon a time, %s wanted to", "One day, %s went to the", "%s was very happy because", "%s saw a big"}) {
            for (String n : new String[] {"Lily", "Tom", "Sue", "Max", "Ben", "Anna", "Sam", "Mia", "Tim", "Lucy"}) {
                stories.add("{\"prompt\": \"" + String.format(o, n) + "\"}");
            }
        }
        Files.write(in.resolve("prompts.jsonl"), stories);
        write("loop.yaml", "output_dir: " + earlier.resolve("run") + "\nseed: 3\nrounds: 1\npolicy: " + model + "\ntokenizer: " + tokenizer
                + "\nprompts: {file: " + in.resolve("prompts.jsonl") + ", per_round: 12, eval_fraction: 0.15}\n"
                + "sampling: {n: 4, max_new_tokens: 24, batch_size: 16}\nfeedback: [{type: contains, words: [park]}]\neval: {samples: 2}\n"
                + "train: {loss_type: sigmoid, learning_rate: 1.0e-3, per_device_train_batch_size: 2, max_length: 64, max_prompt_length: 32}\n");
        write("prompts-missing-field.jsonl", "{\"prompt\": \"a\"}\n{\"question\": \"b\"}\n");
        write("ids.jsonl", "{\"prompt_ids\": [1], \"completion_ids\": [403]}\n");
        write("ids-bad-json.jsonl", "{\"prompt_ids\": [1], \"completion_ids\": [403]}\n\n{\"prompt_ids\": [1], \"completion_ids\": [403\n");
        write("ids-no-fields.jsonl", "{\"text\": \"hello\"}\n");
        write("ids-long.jsonl", "{\"prompt_ids\": [1], \"completion_ids\": [" + "403,".repeat(600) + "403]}\n");
        write("ids-oov.jsonl", "{\"prompt_ids\": [1], \"completion_ids\": [403, 512]}\n");
        byte[] good = "{\"prompt\": \"a\", \"completion\": \"b\"}\n".getBytes();
        byte[] latin1 = {'{', '"', 'p', 'r', 'o', 'm', 'p', 't', '"', ':', ' ', '"', (byte) 0xE9, '"', '}', '\n'};
        byte[] both = Arrays.copyOf(good, good.length + latin1.length);
        System.arraycopy(latin1, 0, both, good.length, latin1.length);
        Files.write(in.resolve("latin1.jsonl"), both);
        write("prompts-oov.jsonl", "{\"prompt_ids\": [1, 2]}\n{\"prompt_ids\": [1, 999]}\n");
        write("prompts-negative.jsonl", "{\"prompt_ids\": [1, -1]}\n");
        write("prompts-long.jsonl", "{\"prompt\": \"short\"}\n{\"prompt\": \"" + "Once upon a time ".repeat(200) + "\"}\n");
        write("prompts-bad-json.jsonl", "{\"prompt\": \"a\"}\n{\"prompt\": \n");
        write("completions.jsonl", "{\"prompt\": \"a\", \"completion\": \"b\"}\n");
        Files.write(in.resolve("tok511.bin"), Tree.firstTokens(Files.readAllBytes(Shared.tok512()), 511));
        byte[] weights = Files.readAllBytes(Shared.stories260K());
        Files.write(in.resolve("cut.bin"), Arrays.copyOf(weights, weights.length - 1000));
        write("garbage.bin", "this is not a model, but a text file that is long enough to hold a header\n");
    }

    private record Case(String name, String[] args, String... expected) {}

    private static Case c(String name, List<String> args, String... expected) { return new Case(name, args.toArray(String[]::new), expected); }

    private static String p(String inputName) { return in.resolve(inputName).toString(); }

    private static String e(String earlierName) { return earlier.resolve(earlierName).toString(); }

    private static List<String> generate(String... more) { return with(List.of("generate", "--model", model, "--tokenizer", tokenizer), more); }

    private static List<String> logprobs(String... more) { return with(List.of("logprobs", "--model", model), more); }

    private static List<String> train(String... more) { return with(List.of("train", p("train.yaml")), more); }

    private static List<String> run(String... more) { return with(List.of("run", p("loop.yaml")), more); }

    private static List<Case> cases() {
        String fresh = root.resolve("fresh").toString(), missing = root.resolve("no/such/dir/out.jsonl").toString();
        return List.of(
                // ---- generate
                c("generate --out is a directory", generate("--prompt", "", "--out", earlier.toString()), "--out " + earlier, "is a directory"),
                c("generate --out exists", generate("--prompt", "", "--out", e("out.jsonl")), "--out " + e("out.jsonl") + " exists", "--overwrite"),
                c("generate --out in a missing directory", generate("--prompt", "", "--out", missing), "no/such/dir", "does not exist"),
                c("generate --out where nothing can be created", generate("--prompt", "", "--out", "/sys/kernel/out.jsonl"), "/sys/kernel is not writable"),
                c("generate --batch-size 0", generate("--prompt", "", "--batch-size", "0"), "--batch-size must be >= 1, got 0"),
                c("generate --n beyond int", generate("--prompt", "", "--n", "100000000000000000000"), "'--n'", "out of range"),
                c("generate --n not a number", generate("--prompt", "", "--n", "many"), "'--n'", "'many' is not an integer"),
                c("generate --max-new-tokens 10^9", generate("--prompt", "", "--max-new-tokens", "1000000000"),
                        "--max-new-tokens 1000000000", "context window of 512"),
                c("generate out-of-vocabulary prompt_ids", generate("--prompts", p("prompts-oov.jsonl")), p("prompts-oov.jsonl") + ":2:", "999", "512"),
                c("generate negative prompt_ids", generate("--prompts", p("prompts-negative.jsonl")), p("prompts-negative.jsonl") + ":1:", "-1"),
                c("generate prompt longer than the window", generate("--prompts", p("prompts-long.jsonl")), p("prompts-long.jsonl") + ":2:",
                        "context window is 512"),
                c("generate invalid JSON prompt", generate("--prompts", p("prompts-bad-json.jsonl")), p("prompts-bad-json.jsonl") + ":2: invalid JSON"),
                c("generate --prompts is a directory", generate("--prompts", in.toString()), in.toString(), "is a directory"),
                c("generate --prompts missing", generate("--prompts", p("nothing.jsonl")), p("nothing.jsonl"), "not found"),
                c("generate --top-p 1.5", generate("--prompt", "", "--top-p", "1.5"), "top_p"),
                c("generate --temperature -1", generate("--prompt", "", "--temperature", "-1"), "temperature must be > 0"),
                c("generate tokenizer smaller than the vocabulary", with(List.of("generate", "--model", model, "--tokenizer", p("tok511.bin")),
                        "--prompt", ""), p("tok511.bin"), "511 tokens", "vocabulary of 512"),
                c("generate text without a tokenizer", List.of("generate", "--model", model, "--prompt", "Once"), model, "--tokenizer"),
                c("generate truncated weights", List.of("generate", "--model", p("cut.bin"), "--tokenizer", tokenizer, "--prompt", ""),
                        p("cut.bin"), "truncated"),
                c("generate corrupt safetensors", List.of("generate", "--model", p("hf-cut"), "--prompt", ""), p("hf-cut/model.safetensors")),
                c("generate a text file as the model", List.of("generate", "--model", p("garbage.bin"), "--tokenizer", tokenizer, "--prompt", ""),
                        p("garbage.bin"), "corrupt llama2.c header"),
                c("generate a missing model", List.of("generate", "--model", p("nothing.bin"), "--prompt", ""), "model not found: " + p("nothing.bin")),
                c("generate a mistyped flag", generate("--prompt", "", "--temprature", "1"), "--temprature", "--temperature"),
                // ---- logprobs
                c("logprobs invalid JSON", logprobs("--input", p("ids-bad-json.jsonl")), p("ids-bad-json.jsonl") + ":3: invalid JSON"),
                c("logprobs not UTF-8", logprobs("--input", p("latin1.jsonl")), p("latin1.jsonl") + ":2: not valid UTF-8"),
                c("logprobs row without its fields", logprobs("--input", p("ids-no-fields.jsonl")), p("ids-no-fields.jsonl") + ":1:", "prompt",
                        "completion_ids"),
                c("logprobs sequence over the window", logprobs("--input", p("ids-long.jsonl")), p("ids-long.jsonl") + ":1:", "context window of 512"),
                c("logprobs token id outside the vocabulary", logprobs("--input", p("ids-oov.jsonl")), p("ids-oov.jsonl") + ":1:", "token id 512"),
                c("logprobs --batch-size 0", logprobs("--input", p("ids.jsonl"), "--batch-size", "0"), "--batch-size must be >= 1, got 0"),
                c("logprobs --out is a directory", logprobs("--input", p("ids.jsonl"), "--out", earlier.toString()), "--out " + earlier, "is a directory"),
                c("logprobs --out exists", logprobs("--input", p("ids.jsonl"), "--out", e("out.jsonl")), "--out " + e("out.jsonl") + " exists"),
                c("logprobs --input is a directory", logprobs("--input", in.toString()), in.toString(), "is a directory"),
                // ---- convert
                c("convert --out a non-empty directory", List.of("convert", "--model", model, "--tokenizer", tokenizer, "--out", e("hf")),
                        "--out " + e("hf"), "not empty", "--overwrite"),
                c("convert --out an existing file", List.of("convert", "--model", model, "--tokenizer", tokenizer, "--out", e("afile")),
                        "--out " + e("afile"), "existing file"),
                // ---- score
                c("score --out is a directory", List.of("score", "--input", p("completions.jsonl"), "--verifier", "length", "--max", "5", "--out",
                        earlier.toString()), "--out " + earlier, "is a directory"),
                c("score --out exists", List.of("score", "--input", p("completions.jsonl"), "--verifier", "length", "--max", "5", "--out",
                        e("out.jsonl")), "--out " + e("out.jsonl") + " exists"),
                c("score an unknown key", List.of("score", "--input", p("completions.jsonl"), "--verifier", "length", "--max", "5", "maxx=5"), "maxx",
                        "did you mean"),
                c("score a missing input", List.of("score", "--input", p("nothing.jsonl"), "--verifier", "length", "--max", "5"), p("nothing.jsonl")),
                // ---- train
                c("train a YAML tab", List.of("train", p("tab.yaml")), p("tab.yaml") + ":3:", "TAB"),
                c("train into a finished output_dir", train(), "output_dir " + e("trained"), "not empty", "--resume", "--overwrite"),
                c("train --resume with another learning_rate", train("--resume", "learning_rate=0.5"), "config.resolved.yaml", "learning_rate",
                        "0.5"),
                c("train --resume with another seed", train("--resume", "seed=1"), "seed: 1"),
                c("train --resume and --overwrite", train("--resume", "--overwrite"), "--resume", "--overwrite"),
                c("train --resume below the finished steps", train("--resume", "max_steps=1"), e("trained/final") + " holds step 2",
                        "past the 1 step", "--overwrite"),
                c("train output_dir is a file", train("output_dir=" + e("afile")), "output_dir " + e("afile"), "not a directory"),
                c("train output_dir under a file", train("output_dir=" + e("afile") + "/out"), "output_dir " + e("afile") + "/out", "not a directory"),
                c("train output_dir where nothing can be created", train("output_dir=/sys/jpo-out"), "output_dir /sys/jpo-out", "/sys is not writable"),
                c("train batch size 0", train("per_device_train_batch_size=0", "output_dir=" + fresh), "per_device_train_batch_size must be >= 1, got 0"),
                c("train a missing train_file", train("train_file=" + p("nothing.jsonl"), "output_dir=" + fresh), "train_file", p("nothing.jsonl")),
                c("train an unknown key", train("learning_rat=0.1", "output_dir=" + fresh), "learning_rat", "did you mean 'learning_rate'"),
                // ---- run
                c("run into a finished run without --resume", run(), e("run"), "holds a run already", "--resume"),
                c("run --resume with another config", run("--resume", "sampling.temperature=0.5"), "config differs", "temperature: 0.5"),
                c("run max_new_tokens 10^9", run("output_dir=" + fresh, "sampling.max_new_tokens=1000000000"),
                        "sampling.max_new_tokens is 1000000000", "context window is 512"),
                c("run output_dir is a file", run("output_dir=" + e("afile")), "output_dir " + e("afile") + " is a file, not a directory"),
                c("run output_dir holds something else", run("output_dir=" + e("hf")), "output_dir " + e("hf") + " is not empty",
                        "config.json", "holds no jpo run"),
                c("run output_dir holds a jpo train", run("output_dir=" + e("trained")), "output_dir " + e("trained"), "not a jpo run's"),
                c("run output_dir where nothing can be created", run("output_dir=/sys/jpo-run"), "output_dir /sys/jpo-run", "/sys is not writable"),
                c("run tokenizer smaller than the vocabulary", run("output_dir=" + fresh, "tokenizer=" + p("tok511.bin")), p("tok511.bin"),
                        "511 tokens"),
                c("run a prompt row without its field", run("output_dir=" + fresh, "prompts.file=" + p("prompts-missing-field.jsonl")),
                        p("prompts-missing-field.jsonl") + ":2: missing field 'prompt'"),
                c("run an unknown key", run("output_dir=" + fresh, "sampling.tempreature=0.7"), "tempreature", "did you mean 'temperature'"),
                // ---- bandit, demo
                c("bandit over an earlier result", List.of("bandit", "apo-momentum", "--out", e("bandit")), "--out " + e("bandit"),
                        "holds apo-momentum.csv", "--overwrite"),
                c("bandit where nothing can be created", List.of("bandit", "apo-momentum", "--out", "/sys/jpo-bandit"), "/sys is not writable"),
                c("bandit an unknown experiment", List.of("bandit", "apo-momentun"), "EXPERIMENT"),
                c("demo into an existing directory", List.of("demo", "--out", e("hf")), e("hf") + " exists"),
                // ---- bench
                c("bench train batch size 0", List.of("bench", "train", "--no-pytorch", "--thread-counts", "1", "--dim", "64", "--layers", "1",
                        "--vocab", "64", "--batch-size", "0"), "--batch-size", "batch_size must be >= 1, got 0"));
    }

    @TestFactory Stream<DynamicTest> eachIsRefusedAndLosesNothing() {
        return cases().stream().map(k -> DynamicTest.dynamicTest(k.name(), () -> assertRefused(k.args(), k.expected())));
    }

    /** A second writer on a live run directory: refused with the holder's pid (here this process holds the lock). */
    @Test void runWhileAnotherHoldsTheDirectory() {
        try (DirLock held = DirLock.take(earlier.resolve("run"))) {
            assertRefused(run("--resume").toArray(String[]::new), e("run") + " is in use by another jpo (pid " + ProcessHandle.current().pid() + ")");
        }
    }

    /** The counterpart of "text without a tokenizer": token ids need none. */
    @Test void tokenIdsNeedNoTokenizer() {
        Cli.Result r = Cli.run(logprobs("--input", p("ids.jsonl")).toArray(String[]::new));
        assertEquals(0, r.exit(), r.toString());
        assertEquals(1, r.out().lines().count());
    }

    private static void assertRefused(String[] args, String... expected) {
        Map<String, String> before = Tree.snapshot(root);
        Cli.Result r = Cli.run(args);
        assertEquals(2, r.exit(), r.toString());
        // what loading did may come before the error line; after it only picocli's suggestions and where help is
        List<String> lines = r.err().lines().toList();
        List<Integer> errors = IntStream.range(0, lines.size()).filter(i -> lines.get(i).startsWith("error: ")).boxed().toList();
        assertEquals(1, errors.size(), "not one error line:\n" + r);
        assertTrue(lines.subList(errors.get(0) + 1, lines.size()).stream()
                .allMatch(l -> l.startsWith("(see ") || l.startsWith("Possible solutions") || l.startsWith("Did you mean")), r.toString());
        String message = String.join("\n", lines.subList(errors.get(0), lines.size()));
        for (String f : expected) assertTrue(message.contains(f), "missing '" + f + "' in\n" + r);
        assertFalse(r.err().contains("\tat ") || r.err().contains("frame #"), "stack trace printed:\n" + r);
        Map<String, String> after = Tree.snapshot(root);
        Set<String> changed = new TreeSet<>(before.keySet());
        changed.addAll(after.keySet());
        changed.removeIf(k -> Objects.equals(before.get(k), after.get(k)));
        assertEquals(Set.of(), changed, "the refused command changed these files:\n" + r);
    }

    private static void succeed(String... args) {
        Cli.Result r = Cli.run(args);
        assertEquals(0, r.exit(), r.toString());
    }

    private static void write(String name, String text) throws IOException { Files.writeString(in.resolve(name), text); }

    private static List<String> with(List<String> head, String... more) {
        List<String> all = new ArrayList<>(head);
        all.addAll(List.of(more));
        return all;
    }
}
