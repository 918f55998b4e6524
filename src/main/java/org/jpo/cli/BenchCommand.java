package org.jpo.cli;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.jpo.config.Binder;
import org.jpo.config.Check;
import org.jpo.config.Key;
import org.jpo.model.Checkpoints;
import org.jpo.model.LogProbs;
import org.jpo.model.ModelConfig;
import org.jpo.model.SequenceBatch;
import org.jpo.model.Transformer;
import org.jpo.sampling.LocalSampler;
import org.jpo.sampling.Prompt;
import org.jpo.sampling.SamplingParams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

import static org.jpo.tensor.Tensors.*;

/** {@code jpo bench}: throughput measured as ratios against a baseline run in the same command. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks.",
        subcommands = {BenchCommand.ModelBench.class, BenchTrain.class, BenchGenerate.class, BenchPrefix.class, BenchLogprobs.class})
final class BenchCommand implements Runnable {
    /** The description of every bench subcommand's key=value arguments. */
    static final String OVERRIDES = "Settings applied after the flags; every flag is a key, in snake_case (--seq-len 128 is seq_len=128).";

    @Override public void run() { new picocli.CommandLine(this).usage(System.out); }

    @Command(name = "model", mixinStandardHelpOptions = true,
            description = "Forward+backward tokens/s (a stated model shape and the given model) and generation tokens/s "
                    + "at batch 1 and 32 with the KV cache, against generation without the cache as the baseline.")
    static final class ModelBench implements Callable<Integer> {
        @Option(names = "--model", required = true, description = "Model for generation (e.g. stories260K.bin).") Path model;
        @Option(names = "--steps", defaultValue = "10", description = "Timed training steps per shape (default ${DEFAULT-VALUE}).") int steps;
        @Option(names = "--max-new-tokens", defaultValue = "128", description = "Tokens generated per row (default ${DEFAULT-VALUE}).") int maxNewTokens;
        @Parameters(paramLabel = "key=value", description = OVERRIDES) List<String> overrides = List.of();

        /** The settings, one key per flag. */
        record Settings(
                @Key(required = true, doc = "Model for generation (e.g. stories260K.bin).") Path model,
                @Key(value = "10", doc = "Timed training steps per shape.") int steps,
                @Key(value = "128", doc = "Tokens generated per row.") int maxNewTokens) {
            Settings {
                Check.atLeast("steps", steps, 1);
                Check.atLeast("max_new_tokens", maxNewTokens, 1);
            }
        }

        static final Binder<Settings> BINDER = new Binder<>(Settings.class, "bench model", "jpo bench model --help");

        Settings settings() { return Overrides.bind(BINDER, () -> new Settings(model, steps, maxNewTokens), overrides); }

        @Override public Integer call() {
            Settings s = settings();
            int newTokens = s.maxNewTokens();
            Path model = s.model();
            int steps = s.steps();
            System.out.printf("threads: libtorch %d, OpenBLAS %d%n", torch.get_num_threads(), org.jpo.tensor.Natives.blasThreads());
            try (Transformer shape = Transformer.random(ModelConfig.llama(8192, 256, 6, 8, 8, 688, 256), 1)) {
                trainStep(String.format("llama d=256 L=6 V=8192 (%.1fM), B=8 T=128", shape.numParameters() / 1e6), shape, 8, 128, steps);
            }
            try (Transformer m = Checkpoints.load(model)) {
                trainStep(model.getFileName() + ", B=8 T=256", m, 8, 256, steps);
                double uncached = uncachedGeneration(m, newTokens);
                double greedy = generation(m, 1, SamplingParams.greedy(newTokens));
                var sampled = new SamplingParams(1, newTokens, 1.0, 0, 1.0, false, 7);
                double one = generation(m, 1, sampled), many = generation(m, 32, sampled);
                System.out.printf("generate  %d tokens from BOS%n", newTokens);
                System.out.printf("  greedy,  no KV cache, batch 1 (baseline): %,8.0f tok/s%n", uncached);
                System.out.printf("  greedy,  KV cache,    batch 1:            %,8.0f tok/s  (%.1fx baseline)%n", greedy, greedy / uncached);
                System.out.printf("  sampled, KV cache,    batch 1:            %,8.0f tok/s  (%.1fx baseline)%n", one, one / uncached);
                System.out.printf("  sampled, KV cache,    batch 32:           %,8.0f tok/s  (%.1fx baseline)%n", many, many / uncached);
            }
            return 0;
        }

        /** Median tokens/s of forward + backward + AdamW over B×T random tokens. */
        private static void trainStep(String label, Transformer m, int b, int t, int steps) {
            m.trainable(true);
            AdamW opt = new AdamW(m.parameterVector(), new AdamWOptions(1e-4));
            SplittableRandom rng = new SplittableRandom(3);
            double[] ms = new double[steps];
            for (int i = -2; i < steps; i++) {
                try (PointerScope scope = new PointerScope()) {
                    List<int[]> prompts = new ArrayList<>(), completions = new ArrayList<>();
                    for (int r = 0; r < b; r++) {
                        prompts.add(rng.ints(t / 2, 0, m.config().vocabSize()).toArray());
                        completions.add(rng.ints(t - t / 2, 0, m.config().vocabSize()).toArray());
                    }
                    long t0 = System.nanoTime();
                    Tensor loss = LogProbs.of(m, SequenceBatch.of(prompts, completions, 0)).sum().mean().neg();
                    loss.backward();
                    opt.step();
                    opt.zero_grad();
                    if (i >= 0) ms[i] = (System.nanoTime() - t0) / 1e6;
                }
            }
            m.trainable(false);
            Arrays.sort(ms);
            double median = ms[steps / 2];
            System.out.printf("train     %-45s %8.1f ms/step %,10.0f tok/s%n", label, median, b * t / (median / 1000));
        }

        private double generation(Transformer m, int batch, SamplingParams params) {
            List<Prompt> prompts = new ArrayList<>();
            for (int i = 0; i < batch; i++) prompts.add(new Prompt(i, new int[] {m.config().bosId().orElse(1)}));
            var sampler = new LocalSampler(m, Set.of(), batch);
            sampler.sample(prompts, params);   // warm-up
            long t0 = System.nanoTime();
            long tokens = sampler.sample(prompts, params).stream().mapToLong(c -> c.tokenIds().length).sum();
            return tokens / ((System.nanoTime() - t0) / 1e9);
        }

        /** Greedy decoding that recomputes the whole prefix every step: what the KV cache saves. */
        private double uncachedGeneration(Transformer m, int tokens) {
            tokens = Math.min(tokens, m.config().contextLimit() - 1);
            long[] seq = new long[tokens + 1];
            seq[0] = m.config().bosId().orElse(1);
            long t0 = System.nanoTime();
            try (NoGradGuard g = new NoGradGuard()) {
                for (int i = 1; i <= tokens; i++) {
                    try (PointerScope scope = new PointerScope()) {
                        Tensor logits = m.logits(m.hidden(longs(Arrays.copyOf(seq, i), 1, i)).select(1, i - 1));
                        seq[i] = toLongs(logits.argmax())[0];
                    }
                }
            }
            return tokens / ((System.nanoTime() - t0) / 1e9);
        }
    }
}
