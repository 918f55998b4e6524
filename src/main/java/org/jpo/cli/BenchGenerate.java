package org.jpo.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.bytedeco.pytorch.global.torch;
import org.jpo.model.Checkpoints;
import org.jpo.model.Transformer;
import org.jpo.sampling.LocalSampler;
import org.jpo.sampling.Prompt;
import org.jpo.sampling.SamplingParams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code jpo bench generate}: sampling throughput (tokens/s) at batch 1, batch 32 and a whole round of P prompts × n
 * samples in continuous batching, each against the same model and batch size in PyTorch run by the same command;
 * the tensors a decode step creates (the native calls a token costs at batch 1); and where one {@code jpo run}
 * round spends its time. Every row starts at BOS and samples at temperature 1 without stop tokens, so both sides
 * do the same work.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Sampling tokens/s at batch 1, 32 and a continuously batched round, against PyTorch; a jpo run round's time split.")
final class BenchGenerate implements Callable<Integer> {
    /** llama2.c run.c single-stream tokens/s recorded in issue 10 (not measured here). */
    private static final Map<String, Double> LLAMA2C = Map.of("stories260K", 18_100.0, "random-15M-shape", 1_870.0);

    @Option(names = "--model", description = "A llama2.c .bin (e.g. stories260K.bin) benchmarked besides the random 15M shape.") Path model;
    @Option(names = "--tokenizer", description = "Tokenizer for the loop timing (default: tok512.bin next to --model).") Path tokenizer;
    @Option(names = "--prompts", defaultValue = "64", description = "Prompts in the round (default ${DEFAULT-VALUE}).") int prompts;
    @Option(names = "--samples", defaultValue = "8", description = "Samples per prompt in the round (default ${DEFAULT-VALUE}).") int samples;
    @Option(names = "--new-tokens", defaultValue = "128", description = "Tokens sampled per row (default ${DEFAULT-VALUE}).") int newTokens;
    @Option(names = "--slots", defaultValue = "256", description = "Continuous-batching slots of the round (default ${DEFAULT-VALUE}).") int slots;
    @Option(names = "--no-pytorch", description = "Skip the PyTorch baseline (no python needed).") boolean noPytorch;
    @Option(names = "--no-loop", description = "Skip the jpo run round's time split.") boolean noLoop;

    @Override public Integer call() throws Exception {
        if (prompts < 1 || samples < 1 || newTokens < 1 || slots < 1) {
            throw new org.jpo.UserError("--prompts, --samples, --new-tokens and --slots must be >= 1");
        }
        int threads = torch.get_num_threads();
        System.out.printf("threads: libtorch %d, OpenBLAS %d%n", threads, org.jpo.tensor.Natives.blasThreads());
        if (!noPytorch) BenchBaselines.ensureTorch();
        Path tmp = Files.createTempDirectory("jpo-bench-generate");
        try {
            Map<String, Path> models = new LinkedHashMap<>();
            if (model != null) models.put(model.getFileName().toString().replaceFirst("\\.bin$", ""), model);
            models.put("random-15M-shape", BenchBaselines.randomLlama2c(tmp.resolve("random15M.bin"), 288, 768, 6, 6, 6, 512, 256, 1));
            System.out.printf("%-18s %-28s %12s %12s %16s %12s%n", "model", "run", "jpo tok/s", "torch tok/s", "ratio_vs_pytorch", "tensors/step");
            for (var e : models.entrySet()) bench(e.getKey(), e.getValue(), threads);
            if (!noLoop && model != null) loopSplit(tmp);
        } finally {
            try (var files = Files.walk(tmp)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        return 0;
    }

    private void bench(String label, Path file, int threads) throws Exception {
        int rows = prompts * samples;
        try (Transformer m = Checkpoints.load(file)) {
            int tokens = Math.min(newTokens, m.config().maxSeqLen() - 1);
            double round = 0;
            for (int[] run : new int[][] {{1, 1, 1}, {32, 1, 32}, {prompts, samples, slots}}) {
                LocalSampler sampler = new LocalSampler(m, Set.of(), run[2]);
                double jpo = jpo(sampler, run[0], run[1], tokens);
                double perStep = (double) sampler.stats().tensors() / sampler.stats().steps();
                int batch = run[0] * run[1];
                String name = batch == run[2] && run[1] == 1 ? "batch " + batch
                        : String.format("round %dx%d, %d slots", run[0], run[1], run[2]);
                double torchTps = noPytorch ? Double.NaN
                        : BenchBaselines.pytorch(file, Math.min(run[2], batch), batch, tokens, threads);
                System.out.printf("%-18s %-28s %,12.0f %,12.0f %16.2f %12.1f%n", label, name, jpo, torchTps, jpo / torchTps, perStep);
                round = jpo;
            }
            Double c = LLAMA2C.get(label);
            if (c != null) {
                System.out.printf("%-18s round / llama2.c run.c single stream (%,.0f tok/s, the number recorded in issue 10, "
                        + "not measured here): %.2fx%n", label, c, round / c);
            }
        }
    }

    /** Tokens/s of {@code p × n} rows from BOS, after one warm-up call; counts the timed call's steps only. */
    private static double jpo(LocalSampler sampler, int p, int n, int tokens) {
        List<Prompt> ps = new ArrayList<>();
        for (int i = 0; i < p; i++) ps.add(new Prompt(i, new int[] {1}));
        var params = new SamplingParams(n, tokens, 1.0, 0, 1.0, false, 7);
        sampler.sample(ps.subList(0, 1), new SamplingParams(1, Math.min(8, tokens), 1.0, 0, 1.0, false, 7));
        sampler.stats().reset();
        long t0 = System.nanoTime();
        long made = sampler.sample(ps, params).stream().mapToLong(c -> c.tokenIds().length).sum();
        double tps = made / ((System.nanoTime() - t0) / 1e9);
        return tps;
    }

    /** One small {@code jpo run} (stories260K, a "park" rule, 2 rounds) and round 1's timings from rounds.jsonl. */
    private void loopSplit(Path tmp) throws IOException {
        Path tok = tokenizer != null ? tokenizer : model.resolveSibling("tok512.bin");
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
