package org.jpo.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.bytedeco.pytorch.global.torch;
import org.jpo.config.Binder;
import org.jpo.config.Check;
import org.jpo.config.ConfigError;
import org.jpo.io.Llama2cWeights;
import org.jpo.config.Key;
import org.jpo.model.Checkpoints;
import org.jpo.model.Transformer;
import org.jpo.sampling.LocalSampler;
import org.jpo.sampling.Prompt;
import org.jpo.sampling.SamplingParams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code jpo bench generate}: sampling throughput (tokens/s) at batch 1, batch 32 and a whole round of P prompts × n
 * samples in continuous batching, on jpo's Vector API decoder and on its libtorch decoder, each against the same model and
 * batch size in PyTorch run by the same command; the tensors a decode step creates on each decoder (the native calls a
 * token costs at batch 1); and where one {@code jpo run}
 * round spends its time; with {@code --llama2c}, karpathy/llama2.c's run.c on each model. Every row starts at BOS and
 * samples at temperature 1 without stop tokens (run.c alone stops at a sampled BOS), so the sides do the same work.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Sampling tokens/s at batch 1, 32 and a continuously batched round, against PyTorch; a jpo run round's time split.")
final class BenchGenerate implements Callable<Integer> {
    /** run.c runs (seeds) per process whose median tok/s counts: its clock ticks in ms and it stops at a sampled BOS. */
    private static final int LLAMA2C_RUNS = 8;

    @Option(names = "--model", description = "A llama2.c .bin (e.g. stories260K.bin) benchmarked besides the random 15M shape.") Path model;
    @Option(names = "--tokenizer", description = "Tokenizer for the loop timing (default: tok512.bin next to --model).") Path tokenizer;
    @Option(names = "--num-prompts", defaultValue = "64", description = "Prompts in the round (default ${DEFAULT-VALUE}).") int numPrompts;
    @Option(names = "--n", defaultValue = "8", description = "Samples per prompt in the round (default ${DEFAULT-VALUE}).") int n;
    @Option(names = "--max-new-tokens", defaultValue = "128", description = "Tokens sampled per row (default ${DEFAULT-VALUE}).") int maxNewTokens;
    @Option(names = "--batch-size", defaultValue = "256", description = "Rows of the round decoded together: its continuous-batching "
            + "slots, jpo run's sampling.batch_size (default ${DEFAULT-VALUE}).") int batchSize;
    @Option(names = "--no-pytorch", description = "Skip the PyTorch baseline (no python needed).") boolean noPytorch;
    @Option(names = "--no-loop", description = "Skip the jpo run round's time split.") boolean noLoop;
    @Option(names = "--llama2c", paramLabel = "PATH", description = "A compiled karpathy/llama2.c run binary, timed on each "
            + "model alone and as one process per libtorch thread.") Path llama2c;
    @Option(names = "--seconds", defaultValue = "2", description = "Each jpo timing repeats its call this long to warm up "
            + "the JIT, then at least this long timed (default ${DEFAULT-VALUE}).") double seconds;
    @Parameters(paramLabel = "key=value", description = BenchCommand.OVERRIDES) List<String> overrides = List.of();

    /** The settings, one key per flag. */
    record Settings(
            @Key(doc = "A llama2.c .bin benchmarked besides the random 15M shape; null = the random shape only.") Optional<Path> model,
            @Key(doc = "Tokenizer for the loop timing; null = tok512.bin next to model.") Optional<Path> tokenizer,
            @Key(value = "64", doc = "Prompts in the round.") int numPrompts,
            @Key(value = "8", doc = "Samples per prompt in the round.") int n,
            @Key(value = "128", doc = "Tokens sampled per row.") int maxNewTokens,
            @Key(value = "256", doc = "Rows of the round decoded together (continuous-batching slots).") int batchSize,
            @Key(value = "false", doc = "Skip the PyTorch baseline.") boolean noPytorch,
            @Key(value = "false", doc = "Skip the jpo run round's time split.") boolean noLoop,
            @Key(doc = "A compiled karpathy/llama2.c run binary timed on each model; null = no llama2.c baseline.") Optional<Path> llama2c,
            @Key(value = "2", doc = "Seconds each jpo timing warms up, then at least as long timed; 0 = one call each.") double seconds) {
        Settings {
            Check.atLeast("num_prompts", numPrompts, 1);
            Check.atLeast("n", n, 1);
            Check.atLeast("max_new_tokens", maxNewTokens, 1);
            Check.atLeast("batch_size", batchSize, 1);
            if (!(seconds >= 0)) throw new ConfigError("seconds", "seconds must be >= 0, got " + seconds);
            llama2c.ifPresent(p -> {
                if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
                    throw new ConfigError("llama2c", "llama2c: " + p + (Files.exists(p) ? " is not an executable file" : " does not exist")
                            + "; expected a compiled karpathy/llama2.c run binary (gcc -O3 -o run run.c -lm)");
                }
            });
        }
    }

    static final Binder<Settings> BINDER = new Binder<>(Settings.class, "bench generate", "jpo bench generate --help");

    Settings settings() {
        return Overrides.bind(BINDER, () -> new Settings(Optional.ofNullable(model), Optional.ofNullable(tokenizer), numPrompts, n, maxNewTokens,
                batchSize, noPytorch, noLoop, Optional.ofNullable(llama2c), seconds), overrides);
    }

    @Override public Integer call() throws Exception {
        Settings s = settings();
        int threads = torch.get_num_threads();
        System.out.printf("threads: libtorch %d, OpenBLAS %d%n", threads, org.jpo.tensor.Natives.blasThreads());
        if (!s.noPytorch()) BenchBaselines.ensureTorch();
        Path tmp = Files.createTempDirectory("jpo-bench-generate");
        try {
            Map<String, Path> models = new LinkedHashMap<>();
            s.model().ifPresent(m -> models.put(m.getFileName().toString().replaceFirst("\\.bin$", ""), m));
            models.put("random-15M-shape", BenchBaselines.randomLlama2c(tmp.resolve("random15M.bin"), 288, 768, 6, 6, 6, 512, 256, 1));
            System.out.printf("%-18s %-26s %9s %9s %9s %9s %9s %9s %12s%n", "model", "run", "jpo tok/s", "libtorch", "PyTorch",
                    "llama2.c", "x_pytorch", "x_llama2c", "calls/step");
            for (var e : models.entrySet()) {
                Optional<BenchBaselines.Llama2c> c = s.llama2c().isPresent()
                        ? Optional.of(llama2c(s, e.getKey(), e.getValue(), threads, tmp)) : Optional.empty();
                bench(s, e.getKey(), e.getValue(), threads, c);
            }
            if (!s.noLoop() && s.model().isPresent()) loopSplit(s.model().get(), s.tokenizer(), tmp);
        } finally {
            try (var files = Files.walk(tmp)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        return 0;
    }

    /**
     * One model's rows: jpo's Vector API decoder ("jpo tok/s") and its libtorch decoder, PyTorch eager, and llama2.c (its
     * single stream beside batch 1 and 32, one process per thread beside the round), with the native calls a decode step
     * costs on each jpo decoder.
     */
    private static void bench(Settings s, String label, Path file, int threads, Optional<BenchBaselines.Llama2c> c) throws Exception {
        try (Transformer m = Checkpoints.load(file)) {
            int tokens = Math.min(s.maxNewTokens(), m.config().contextLimit() - 1);
            for (int[] run : new int[][] {{1, 1, 1}, {32, 1, 32}, {s.numPrompts(), s.n(), s.batchSize()}}) {
                LocalSampler torchPath = new LocalSampler(m, Set.of(), run[2]).with(LocalSampler.Decoder.TORCH);
                LocalSampler vectorPath = new LocalSampler(m, Set.of(), run[2]).with(LocalSampler.Decoder.VECTOR);
                double before = jpo(torchPath, run[0], run[1], tokens, s.seconds()), after = jpo(vectorPath, run[0], run[1], tokens, s.seconds());
                double callsBefore = (double) torchPath.stats().tensors() / torchPath.stats().steps();
                double callsAfter = (double) vectorPath.stats().tensors() / vectorPath.stats().steps();
                int batch = run[0] * run[1];
                boolean round = !(batch == run[2] && run[1] == 1);
                String name = round ? String.format("round %dx%d, %d slots", run[0], run[1], run[2]) : "batch " + batch;
                double torchTps = s.noPytorch() ? Double.NaN
                        : BenchBaselines.pytorch(file, Math.min(run[2], batch), batch, tokens, threads);
                double llama2c = c.map(x -> round ? x.processes() : x.single()).orElse(Double.NaN);
                System.out.printf("%-18s %-26s %,9.0f %,9.0f %,9.0f %,9.0f %9.2f %9.2f %5.0f -> %.0f%n", label, name, after, before,
                        torchTps, llama2c, after / torchTps, after / llama2c, callsBefore, callsAfter);
            }
        }
    }

    /** llama2.c's run.c on {@code file}: one stream, and one process per thread. */
    private static BenchBaselines.Llama2c llama2c(Settings s, String label, Path file, int threads, Path tmp) throws Exception {
        Llama2cWeights.Header h = Llama2cWeights.header(file);
        Optional<Path> tok = file.equals(s.model().orElse(null)) ? Optional.of(s.tokenizer().orElse(file.resolveSibling("tok512.bin")))
                : Optional.empty();
        BenchBaselines.Llama2c c = BenchBaselines.llama2c(s.llama2c().get(), file, BenchBaselines.llama2cTokenizer(tok, h.vocabSize(), tmp),
                Math.min(s.maxNewTokens(), h.seqLen() - 1), LLAMA2C_RUNS, threads);
        System.out.printf("%-18s llama2.c run.c single stream: %,.0f tok/s%n", label, c.single());
        System.out.printf("%-18s llama2.c run.c, %d processes: %,.0f tok/s%n", label, threads, c.processes());
        return c;
    }

    /**
     * Tokens/s of {@code p × n} rows from BOS. The same call repeats for {@code seconds} first (at least once): the Vector API
     * decoder runs at its speed only once the JIT has compiled it, about a second of decoding; then it repeats for at
     * least {@code seconds} more, timed, and the step counters cover those calls only.
     */
    private static double jpo(LocalSampler sampler, int p, int n, int tokens, double seconds) {
        List<Prompt> ps = new ArrayList<>();
        for (int i = 0; i < p; i++) ps.add(new Prompt(i, new int[] {1}));
        var params = new SamplingParams(n, tokens, 1.0, 0, 1.0, false, 7);
        long window = (long) (seconds * 1e9), start = System.nanoTime();
        do sampler.sample(ps, params); while (System.nanoTime() - start < window);
        sampler.stats().reset();
        long made = 0, t0 = System.nanoTime(), elapsed;
        do {
            made += sampler.sample(ps, params).stream().mapToLong(c -> c.tokenIds().length).sum();
            elapsed = System.nanoTime() - t0;
        } while (elapsed < window);
        return made / (elapsed / 1e9);
    }

    /** One small {@code jpo run} (stories260K, a "park" rule, 2 rounds) and round 1's timings from rounds.jsonl. */
    private static void loopSplit(Path model, Optional<Path> tokenizer, Path tmp) throws IOException {
        Path tok = tokenizer.orElse(model.resolveSibling("tok512.bin"));
        if (!Files.isRegularFile(tok)) {
            System.out.println("loop time split skipped: no tokenizer (--tokenizer, or tok512.bin next to --model)");
            return;
        }
        List<String> rows = new ArrayList<>();
        for (String name : new String[] {"Lily", "Tom", "Sue", "Max", "Ben", "Anna", "Sam", "Mia", "Tim", "Lucy"}) {
            for (String o : new String[] {"Once upon a time, %s wanted to", "One day, %s went to the", "%s saw a big"}) {
                rows.add("{\"prompt\": \"" + String.format(o, name) + "\"}");
            }
        }
        Files.write(tmp.resolve("prompts.jsonl"), rows);
        String yaml = "output_dir: " + tmp.resolve("out") + "\nseed: 3\nrounds: 2\npolicy: " + model.toAbsolutePath()
                + "\ntokenizer: " + tok.toAbsolutePath() + "\nprompts: {file: " + tmp.resolve("prompts.jsonl")
                + ", per_round: 16, eval_fraction: 0.15}\nsampling: {n: 8, max_new_tokens: 64, batch_size: 128}\n"
                + "feedback: [{type: contains, words: [park]}]\neval: {samples: 2}\n"
                + "train:\n  loss_type: sigmoid\n  beta: 0.1\n  learning_rate: 1.0e-3\n  num_train_epochs: 1\n"
                + "  per_device_train_batch_size: 4\n  max_length: 96\n  max_prompt_length: 32\n";
        Path config = Files.writeString(tmp.resolve("loop.yaml"), yaml);
        System.out.println("jpo run round (stories260K, 16 prompts x 8 samples of 64 tokens, contains-'park' rule, DPO):");
        if (Main.run("run", config.toString()) != 0) throw new IllegalStateException("the loop run failed");
        Path rounds;
        try (var files = Files.walk(tmp.resolve("out"))) {
            rounds = files.filter(p -> p.getFileName().toString().equals("rounds.jsonl")).findFirst().orElseThrow();
        }
        List<String> lines = Files.readAllLines(rounds);
        JsonNode timings = new ObjectMapper().readTree(lines.get(lines.size() - 1)).path("timings");
        double total = 0;
        for (var it = timings.fields(); it.hasNext(); ) total += it.next().getValue().asDouble();
        System.out.printf("  round %d time split (s):", lines.size() - 1);
        for (var it = timings.fields(); it.hasNext(); ) {
            var f = it.next();
            System.out.printf("  %s %.2f (%.0f%%)", f.getKey(), f.getValue().asDouble(), 100 * f.getValue().asDouble() / total);
        }
        System.out.println();
    }
}
