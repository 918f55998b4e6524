package org.jpo.cli;

import org.jpo.feedback.CodeVerifier;
import org.jpo.testing.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** {@code key=value} arguments of jpo score and jpo bench, bound by the config binder on top of the flags. */
class OverridesTest {
    @TempDir Path tmp;

    private static void assertUserError(Cli.Result r, String... fragments) {
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().startsWith("error: "), r.toString());
        assertEquals(1, r.err().lines().count(), "one line:\n" + r);
        for (String f : fragments) assertTrue(r.err().contains(f), "missing '" + f + "' in\n" + r);
    }

    private double lengthScore(String... args) throws Exception {
        Path in = Files.writeString(tmp.resolve("in.jsonl"), "{\"prompt\": \"\", \"completion\": \"Tom went to the park. 7 trees.\"}\n");
        Path out = tmp.resolve("out.jsonl");
        List<String> all = new java.util.ArrayList<>(List.of("score", "--verifier", "length", "--input", in.toString(), "--out", out.toString(),
                "--overwrite"));
        all.addAll(List.of(args));
        Cli.Result r = Cli.run(all.toArray(String[]::new));
        assertEquals(0, r.exit(), r.toString());
        return org.jpo.io.Jsonl.read(out).get(0).json().get("score").doubleValue();
    }

    @Test void scoreOverridesSetTheVerifiersKeysAfterTheFlags() throws Exception {
        assertEquals(0.0, lengthScore("--max", "5"));          // 7 words
        assertEquals(1.0, lengthScore("--max", "5", "max=7"));
        assertEquals(0.0, lengthScore("--max", "29", "unit=chars"));   // 30 code points
    }

    @Test void scoreOverridesReachTheCodeVerifierAndTheRewardModel() throws Exception {
        ScoreCommand c = new ScoreCommand();
        new CommandLine(c).parseArgs("--verifier", "code", "--input", "x.jsonl", "--parallel", "3", "timeout_seconds=5", "cpu_seconds=2");
        assertEquals(new CodeVerifier(5, 2, 1024, 32, 3, "/usr/bin/python3"), c.verifier());
        ScoreCommand rm = new ScoreCommand();
        Path dir = Files.createDirectory(tmp.resolve("rm"));
        new CommandLine(rm).parseArgs("--reward-model", dir.toString(), "--input", "x.jsonl", "--batch-size", "2", "batch_size=4");
        assertEquals(4, rm.rewardModelConfig().batchSize());
    }

    @Test void scoreRefusesUnknownKeysTypeAndBadValuesNamingTheOverride() throws Exception {
        Path in = Files.writeString(tmp.resolve("in.jsonl"), "{\"prompt\": \"p\", \"completion\": \"c\"}\n");
        assertUserError(Cli.run("score", "--verifier", "code", "--input", in.toString(), "timout_seconds=5"),
                "override 'timout_seconds=5': unknown key 'timout_seconds' in 'score'; did you mean 'timeout_seconds'?");
        assertUserError(Cli.run("score", "--verifier", "code", "--input", in.toString(), "timeout_seconds=0"),
                "override 'timeout_seconds=0': timeout_seconds must be a finite number > 0, got 0.0");
        assertUserError(Cli.run("score", "--verifier", "math", "--input", in.toString(), "type=code"),
                "override 'type=code': the verifier is chosen by --verifier");
        Path dir = Files.createDirectory(tmp.resolve("rm"));
        assertUserError(Cli.run("score", "--reward-model", dir.toString(), "--input", in.toString(), "batch_sise=4"),
                "unknown key 'batch_sise' in 'score'; did you mean 'batch_size'?");
    }

    @Test void benchOverridesTakeEffect() {
        Cli.Result r = Cli.run("bench", "generate", "--num-prompts", "2", "--n", "2", "--max-new-tokens", "4", "--batch-size", "3",
                "--no-pytorch", "batch_size=5", "n=3", "seconds=0");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("round 2x3, 5 slots"), r.toString());
    }

    /** jpo bench train at tiny sizes (seconds, should the check under test be missing), then {@code more}. */
    private static Cli.Result tinyBenchTrain(String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("bench", "train", "--no-pytorch", "--thread-counts", "1", "--dim", "64",
                "--layers", "1", "--vocab", "64", "--seq-len", "8", "--batch-size", "1", "--warmup", "0", "--peak-size", "32",
                "--bf16-peak-size", "32", "--pause-ms", "0"));
        args.addAll(List.of(more));
        return Cli.run(args.toArray(String[]::new));
    }

    @Test void benchRefusesUnknownKeysAndBadValuesNamingTheFlagOrOverride() {
        assertUserError(tinyBenchTrain("stpes=3"), "override 'stpes=3': unknown key 'stpes' in 'bench train'; did you mean 'steps'?");
        assertUserError(tinyBenchTrain("steps=0"), "override 'steps=0': steps must be >= 1, got 0");
        assertUserError(tinyBenchTrain("--steps", "0"), "error: --steps: steps must be >= 1, got 0");
        assertUserError(tinyBenchTrain("seq_len=abc"), "override 'seq_len=abc': seq_len: expected an integer, got \"abc\"");
    }

    /** Each flag's default is its key's: {@code key=} (the key's default) means what leaving the flag out means. */
    @Test void benchFlagDefaultsAreTheKeysDefaults() {
        Path cwd = Path.of("").toAbsolutePath();
        var model = new BenchCommand.ModelBench();
        new CommandLine(model).parseArgs("--model", cwd.resolve("m.bin").toString());
        assertEquals(BenchCommand.ModelBench.BINDER.parse("defaults", "model: m.bin", cwd, List.of()), model.settings());
        var generate = new BenchGenerate();
        new CommandLine(generate).parseArgs();
        assertEquals(BenchGenerate.BINDER.parse("defaults", "", cwd, List.of()), generate.settings());
        var prefix = new BenchPrefix();
        new CommandLine(prefix).parseArgs();
        assertEquals(BenchPrefix.BINDER.parse("defaults", "", cwd, List.of()), prefix.settings());
        var logprobs = new BenchLogprobs();
        new CommandLine(logprobs).parseArgs();
        assertEquals(BenchLogprobs.BINDER.parse("defaults", "", cwd, List.of()), logprobs.settings());
        var train = new BenchTrain();
        new CommandLine(train).parseArgs();
        assertEquals(BenchTrain.BINDER.parse("defaults", "", cwd, List.of()), train.settings());
    }
}
