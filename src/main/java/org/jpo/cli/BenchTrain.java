package org.jpo.cli;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.openblas.global.openblas_full;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.jpo.UserError;
import org.jpo.config.Binder;
import org.jpo.config.Check;
import org.jpo.config.ConfigError;
import org.jpo.config.Key;
import org.jpo.data.Example;
import org.jpo.data.PairExample;
import org.jpo.model.ModelConfig;
import org.jpo.model.Transformer;
import org.jpo.tensor.Natives;
import org.jpo.train.DpoStep;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code jpo bench train}: jpo train's DPO step ({@link DpoStep}) on a Llama and a GPT-2 shape, as tokens/s, as
 * model FLOP utilisation against this machine's matmul peak measured in the same command, and as a ratio
 * against the same step written in PyTorch ({@code bench/dpo_step.py}) run in the same command.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "DPO step (forward + backward on [2B,T] chosen/rejected rows, cached reference, AdamW) tokens/s, "
                + "MFU against the measured matmul peak, and ratio_vs_pytorch against the same step in PyTorch.")
final class BenchTrain implements Callable<Integer> {
    static final String PYTHON = "/usr/bin/python3";

    @Option(names = "--thread-counts", split = ",", defaultValue = "1,2", description = "Thread counts to run at (default ${DEFAULT-VALUE}).")
    List<Integer> threadCounts;
    @Option(names = "--steps", defaultValue = "10", description = "Timed steps of each side (jpo, jpo with prefix sharing, "
            + "PyTorch), run in turn; medians count (default ${DEFAULT-VALUE}).") int steps;
    @Option(names = "--warmup", defaultValue = "2", description = "Untimed steps first (default ${DEFAULT-VALUE}).") int warmup;
    @Option(names = "--dim", defaultValue = "512", description = "Model width D, a multiple of 64 (heads of 64) (default ${DEFAULT-VALUE}).") int dim;
    @Option(names = "--layers", defaultValue = "6", description = "Layers L (default ${DEFAULT-VALUE}).") int layers;
    @Option(names = "--vocab", defaultValue = "8192", description = "Vocabulary V (default ${DEFAULT-VALUE}).") int vocab;
    @Option(names = "--seq-len", defaultValue = "256", description = "Tokens per row T, half prompt, half completion (default ${DEFAULT-VALUE}).") int seqLen;
    @Option(names = "--batch-size", defaultValue = "8", description = "Pairs per step B; the forward has 2B rows (default ${DEFAULT-VALUE}).") int batchSize;
    @Option(names = "--peak-size", defaultValue = "2048", description = "Side of the square matmul that measures the peak (default ${DEFAULT-VALUE}).") int peakSize;
    @Option(names = "--bf16-peak-size", defaultValue = "512", description = "Side of the bf16 peak matmul; smaller, since without "
            + "AVX-512 BF16 libtorch's bf16 matmul runs ~20x slower than fp32 (default ${DEFAULT-VALUE}).") int bf16PeakSize;
    @Option(names = "--pause-ms", defaultValue = "200", description = "Pause after every step, so the last side's idle threads "
            + "stop spinning before the next side's step (default ${DEFAULT-VALUE}).") long pauseMs;
    @Option(names = "--no-pytorch", description = "Skip the PyTorch baseline (no ratio_vs_pytorch).") boolean noPytorch;
    @Option(names = "--bf16", description = "Also time the step fp32 vs bf16 autocast (config key bf16) on a Llama of --bf16-dim.") boolean bf16;
    @Option(names = "--bf16-dim", defaultValue = "1024", description = "Width of the bf16 comparison (default ${DEFAULT-VALUE}).") int bf16Dim;
    @Option(names = "--bf16-layers", defaultValue = "4", description = "Layers of the bf16 comparison (default ${DEFAULT-VALUE}).") int bf16Layers;
    @Option(names = "--bf16-batch-size", defaultValue = "4", description = "Pairs per step of the bf16 comparison (default ${DEFAULT-VALUE}).")
    int bf16BatchSize;
    @Parameters(paramLabel = "key=value", description = BenchCommand.OVERRIDES) List<String> overrides = List.of();
    @Option(names = "--nproc", defaultValue = "1", description = "Ranks: > 1 times jpo train's DPO step on the llama shape at world 1 "
            + "and at this many ranks (data parallel), with the scaling efficiency, instead (default ${DEFAULT-VALUE}).") int nproc;
    @Option(names = "--threads-per-rank", defaultValue = "1", description = "Threads of each rank, and of world 1, with --nproc (default ${DEFAULT-VALUE}).")
    int threadsPerRank;
    /** A rank of --nproc's world: the bench's directory (set by the bench for its child processes). */
    @Option(names = "--rank-of", hidden = true) Path rankOf;
    /** That rank averages gradients with DDP's Reducer. */
    @Option(names = "--rank-reducer", hidden = true) boolean rankReducer;

    /** The settings, one key per flag. */
    record Settings(
            @Key(value = "[1, 2]", doc = "Thread counts to run at.") List<Integer> threadCounts,
            @Key(value = "10", doc = "Timed steps of each side, run in turn; medians count.") int steps,
            @Key(value = "2", doc = "Untimed steps first.") int warmup,
            @Key(value = "512", doc = "Model width D, a multiple of 64 (heads of 64).") int dim,
            @Key(value = "6", doc = "Layers L.") int layers,
            @Key(value = "8192", doc = "Vocabulary V.") int vocab,
            @Key(value = "256", doc = "Tokens per row T, half prompt, half completion.") int seqLen,
            @Key(value = "8", doc = "Pairs per step B; the forward has 2B rows.") int batchSize,
            @Key(value = "2048", doc = "Side of the square matmul that measures the fp32 peak.") int peakSize,
            @Key(value = "512", doc = "Side of the bf16 peak matmul.") int bf16PeakSize,
            @Key(value = "200", doc = "Pause after every step, in milliseconds.") long pauseMs,
            @Key(value = "false", doc = "Skip the PyTorch baseline.") boolean noPytorch,
            @Key(value = "false", doc = "Also time the step fp32 vs bf16 autocast on a Llama of bf16_dim.") boolean bf16,
            @Key(value = "1024", doc = "Width of the bf16 comparison, a multiple of 64.") int bf16Dim,
            @Key(value = "4", doc = "Layers of the bf16 comparison.") int bf16Layers,
            @Key(value = "4", doc = "Pairs per step of the bf16 comparison.") int bf16BatchSize,
            @Key(value = "1", doc = "Ranks: > 1 times jpo train's DPO step on the llama shape at world 1 and at this many ranks "
                    + "(data parallel, a process each, batch_size pairs per rank) instead.") int nproc,
            @Key(value = "1", doc = "Threads of each rank (and of world 1) with nproc > 1.") int threadsPerRank) {
        Settings {
            for (int n : threadCounts) if (n < 1) throw new ConfigError("thread_counts", "thread_counts must be >= 1, got " + n);
            Check.atLeast("steps", steps, 1);
            Check.atLeast("warmup", warmup, 0);
            Check.atLeast("pause_ms", pauseMs, 0);
            Check.atLeast("layers", layers, 1);
            Check.atLeast("vocab", vocab, 2);
            Check.atLeast("seq_len", seqLen, 2);
            Check.atLeast("batch_size", batchSize, 1);
            Check.atLeast("bf16_layers", bf16Layers, 1);
            Check.atLeast("bf16_batch_size", bf16BatchSize, 1);
            Check.atLeast("nproc", nproc, 1);
            Check.atLeast("threads_per_rank", threadsPerRank, 1);
            if (dim % 64 != 0 || dim < 64) throw new ConfigError("dim", "dim must be a multiple of 64 (heads of 64), got " + dim);
            if (bf16Dim % 64 != 0 || bf16Dim < 64) throw new ConfigError("bf16_dim", "bf16_dim must be a multiple of 64 (heads of 64), got " + bf16Dim);
        }
    }

    static final Binder<Settings> BINDER = new Binder<>(Settings.class, "bench train", "jpo bench train --help");

    Settings settings() {
        return Overrides.bind(BINDER, () -> new Settings(threadCounts, steps, warmup, dim, layers, vocab, seqLen, batchSize, peakSize, bf16PeakSize,
                pauseMs, noPytorch, bf16, bf16Dim, bf16Layers, bf16BatchSize, nproc, threadsPerRank), overrides);
    }

    /** The settings of the running call. */
    private Settings cfg;

    /** A model shape and the batch it is timed at. */
    record Shape(String name, ModelConfig config, int batch, int seqLen) {
        long tokens() { return 2L * batch * seqLen; }

        double flops() { return stepFlops(config, 2L * batch, seqLen, seqLen - seqLen / 2); }
    }

    @Override public Integer call() {
        cfg = settings();
        if (rankOf != null) return BenchTrainDist.rank(cfg, rankOf, llama(cfg.dim(), cfg.layers()), rankReducer);
        if (cfg.nproc() > 1) return BenchTrainDist.run(cfg, llama(cfg.dim(), cfg.layers()));
        List<Shape> shapes = List.of(new Shape("llama", llama(cfg.dim(), cfg.layers()), cfg.batchSize(), cfg.seqLen()),
                new Shape("gpt2", gpt2(cfg.dim(), cfg.layers()), cfg.batchSize(), cfg.seqLen()));
        Shape big = new Shape("llama", llama(cfg.bf16Dim(), cfg.bf16Layers()), cfg.bf16BatchSize(), cfg.seqLen());
        Path script = cfg.noPytorch() ? null : pythonScript();
        describe(shapes, cfg.bf16() ? Optional.of(big) : Optional.empty(), script);
        int torchThreads = torch.get_num_threads(), blasThreads = Natives.blasThreads();
        try {
            for (int n : cfg.threadCounts()) atThreads(n, shapes, big, script);
        } finally {
            torch.set_num_threads(torchThreads);   // the process's pools as they were (tests share the JVM)
            openblas_full.openblas_set_num_threads(blasThreads);
        }
        return 0;
    }

    private void atThreads(int n, List<Shape> shapes, Shape big, Path script) {
        Natives.threads(n);
        double peak32 = peak(torch.ScalarType.Float, cfg.peakSize()), peak16 = peak(torch.ScalarType.BFloat16, cfg.bf16PeakSize());
        int during;
        try (Natives.Pools t = Natives.trainingThreads(false)) { during = torch.get_num_threads(); }
        System.out.printf("%nthreads %d (libtorch %d, %d inside an fp32 step; OpenBLAS %d)%n", n, torch.get_num_threads(), during, Natives.blasThreads());
        System.out.printf("  peak_fp32_gflops %.1f (%d³)  peak_bf16_gflops %.1f (%d³)  (median of 3 matmuls after 1)%n",
                peak32 / 1e9, cfg.peakSize(), peak16 / 1e9, cfg.bf16PeakSize());
        for (Shape s : shapes) {
            List<Side> sides = new ArrayList<>(List.of(jpoSide(s, false, false), jpoSide(s, false, true)));
            if (script != null) sides.add(pytorchSide(script, s, n));
            double[][] sec = alternate(sides, cfg.warmup(), cfg.steps(), cfg.pauseMs());   // [side][step]
            double jpo = s.tokens() / median(sec[0]), shared = s.tokens() / median(sec[1]);
            System.out.printf("  %-5s jpo tokens_per_second %,9.0f  mfu_fp32 %5.1f%%", s.name(), jpo, 100 * mfu(s, jpo, peak32));
            if (script != null) {
                double py = s.tokens() / median(sec[2]);
                System.out.printf("  pytorch_tokens_per_second %,9.0f  mfu_fp32 %5.1f%%  ratio_vs_pytorch %.2f (%s)", py, 100 * mfu(s, py, peak32),
                        median(ratios(sec[2], sec[0])), range(ratios(sec[2], sec[0])));
            }
            System.out.println();
            // jpo train's default step shares each pair's prompt: fewer tokens computed for the same loss, so no MFU
            System.out.printf("  %-5s jpo prefix_sharing (jpo train's default) tokens_per_second %,9.0f  speedup %.2f", s.name(), shared,
                    median(ratios(sec[0], sec[1])));
            if (script != null) System.out.printf("  ratio_vs_pytorch %.2f (%s)", median(ratios(sec[2], sec[1])), range(ratios(sec[2], sec[1])));
            System.out.println();
        }
        if (cfg.bf16()) {
            double[][] sec = alternate(List.of(jpoSide(big, false, false), jpoSide(big, true, false)), cfg.warmup(), cfg.steps(), cfg.pauseMs());
            double fp32 = big.tokens() / median(sec[0]), half = big.tokens() / median(sec[1]);
            System.out.printf("  bf16  %s d=%d: fp32 %,9.0f tok/s (mfu_fp32 %.1f%%)  bf16 %,9.0f tok/s (mfu_bf16 %.1f%%)  bf16_speedup %.2f%n",
                    big.name(), cfg.bf16Dim(), fp32, 100 * mfu(big, fp32, peak32), half, 100 * mfu(big, half, peak16), median(ratios(sec[0], sec[1])));
        }
    }

    /** One contestant of a timed comparison: runs one step per call, returns its seconds; closing frees its model. */
    interface Side extends AutoCloseable {
        double step();

        @Override void close();
    }

    /**
     * Runs the sides' steps in alternation (warm-up steps first, then step i of every side before step i + 1 of any),
     * pausing {@code pauseMs} after each so one side's idle BLAS and OpenMP threads stop spinning before the next
     * side runs; closes the sides. Returns seconds [side][timed step].
     */
    static double[][] alternate(List<Side> sides, int warmup, int steps, long pauseMs) {
        double[][] seconds = new double[sides.size()][steps];
        try {
            for (int i = 0; i < warmup + steps; i++) {
                for (int k = 0; k < sides.size(); k++) {
                    double sec = sides.get(k).step();
                    if (i >= warmup) seconds[k][i - warmup] = sec;
                    pause(pauseMs);
                }
            }
        } finally {
            sides.forEach(Side::close);
        }
        return seconds;
    }

    private static void pause(long pauseMs) {
        try {
            Thread.sleep(pauseMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserError("interrupted");
        }
    }

    /** Per-step speed-ups of b over a: a[i] / b[i] (step i of both ran back to back). */
    static double[] ratios(double[] a, double[] b) {
        double[] r = new double[a.length];
        for (int i = 0; i < r.length; i++) r[i] = a[i] / b[i];
        return r;
    }

    private static String range(double[] xs) {
        return String.format("steps %.2f–%.2f", Arrays.stream(xs).min().orElse(Double.NaN), Arrays.stream(xs).max().orElse(Double.NaN));
    }

    /**
     * Model FLOPs of one DPO step (forward + backward) on {@code rows} rows of {@code t} tokens, in PaLM's
     * convention (Chowdhery et al., arXiv:2204.02311, App. B): 6 FLOPs per matmul weight per token it is applied
     * to, plus attention's 12·L·q_dim·T per token (QKᵀ and AV at 2 FLOPs a multiply-add, times 3 for the
     * backward), the causal mask not discounted. The body runs on all T positions, the vocabulary head on the
     * C positions that predict a completion token (both jpo's step and the baseline run it only there):
     * FLOPs = 6·(L·N_layer·rows·T + V·D·rows·C) + 12·L·q_dim·T²·rows, with
     * N_layer = D·(q_dim + 2·kv_dim) + q_dim·D + k·D·F (k = 3 for Llama's gated MLP, 2 for GPT-2's).
     * Embedding lookups, norms, biases, activations and the optimizer are not counted.
     */
    static double stepFlops(ModelConfig c, long rows, long t, long completion) {
        double d = c.dim(), layer = d * (c.qDim() + 2.0 * c.kvDim()) + (double) c.qDim() * d
                + (c.family() == ModelConfig.Family.LLAMA ? 3 : 2) * d * c.hiddenDim();
        double matmul = 6 * (c.nLayers() * layer * rows * t + (double) c.vocabSize() * d * rows * completion);
        return matmul + 12.0 * c.nLayers() * c.qDim() * (double) t * t * rows;
    }

    private ModelConfig llama(int d, int l) {
        int hidden = (int) Math.ceil(8.0 * d / 3 / 32) * 32;   // Llama's 8/3·D MLP, rounded up to a multiple of 32
        return ModelConfig.llama(cfg.vocab(), d, l, d / 64, d / 64, hidden, cfg.seqLen());
    }

    private ModelConfig gpt2(int d, int l) { return ModelConfig.gpt2(cfg.vocab(), d, l, d / 64, cfg.seqLen()); }

    private static double mfu(Shape s, double tokensPerSecond, double peak) { return s.flops() * tokensPerSecond / s.tokens() / peak; }

    private void describe(List<Shape> shapes, Optional<Shape> big, Path script) {
        System.out.println("DPO step: policy forward + backward on [2B,T] rows (chosen, then rejected; prompt T/2), sigmoid loss (beta 0.1) "
                + "against cached reference log-probs, clip to norm 1, AdamW (weight decay 0); median of " + cfg.steps() + " steps after "
                + cfg.warmup() + " warm-up");
        System.out.println("flops_per_step = 6·(L·N_layer·2B·T + V·D·2B·C) + 12·L·q_dim·T²·2B, N_layer = D·(q_dim+2·kv_dim) + q_dim·D "
                + "+ k·D·F (k = 3 Llama, 2 GPT-2), C = T − T/2 completion tokens (the head runs only there); mfu = flops_per_step·steps/s / peak");
        List<Shape> all = new ArrayList<>(shapes);
        big.ifPresent(all::add);
        for (Shape s : all) {
            ModelConfig c = s.config();
            long params;
            try (Transformer m = Transformer.random(c, 1)) { params = m.numParameters(); }
            System.out.printf("shape %-5s D=%d L=%d H=%d F=%d V=%d T=%d B=%d: parameters %,d (%.1fM), flops_per_step %.3g%n", s.name(),
                    c.dim(), c.nLayers(), c.nHeads(), c.hiddenDim(), c.vocabSize(), s.seqLen(), s.batch(), params, params / 1e6, s.flops());
        }
        System.out.println("blas: jpo = JavaCPP's OpenBLAS (" + openblas_full.openblas_get_config().getString().trim() + ", core "
                + openblas_full.openblas_get_corename().getString() + "); bf16 matmuls in libtorch's own kernels; libtorch " + cpuCapability());
        if (script != null) {
            try (PytorchStep py = new PytorchStep(script, llama(64, 1), 1, 8, 1)) {
                System.out.println("blas: pytorch = " + py.ready.path("blas").asText() + " (Debian torch " + py.ready.path("torch").asText() + ")");
            }
        }
    }

    /** libtorch's "CPU capability usage" line (AVX2, AVX512, …): what its kernels, bf16 ones included, are built for. */
    private static String cpuCapability() {
        return torch.show_config().getString().lines().map(String::strip).filter(l -> l.startsWith("- CPU capability"))
                .map(l -> l.substring(2)).findFirst().orElse("CPU capability unknown");
    }

    /** Median FLOP/s of a square matmul of side {@code n} in {@code dtype}. */
    private static double peak(torch.ScalarType dtype, int peakSize) {
        double[] s = new double[3];
        try (PointerScope scope = new PointerScope()) {
            Tensor a = torch.randn(peakSize, peakSize).to(dtype), b = torch.randn(peakSize, peakSize).to(dtype);   // [N,N]
            torch.mm(a, b);
            for (int i = 0; i < s.length; i++) {
                long t0 = System.nanoTime();
                torch.mm(a, b);
                s[i] = (System.nanoTime() - t0) / 1e9;
            }
        }
        return 2.0 * peakSize * peakSize * peakSize / median(s);
    }

    /** jpo train's DPO step on random pairs (three batches in turn), fresh random weights. */
    private Side jpoSide(Shape s, boolean autocast, boolean prefixSharing) {
        SplittableRandom rng = new SplittableRandom(7);
        List<List<PairExample>> batches = new ArrayList<>();
        Map<Example, double[]> reference = new HashMap<>();
        for (int i = 0; i < Math.min(3, cfg.warmup() + cfg.steps()); i++) batches.add(pairs(s, rng, reference));
        DpoStep step = new DpoStep(Transformer.random(s.config(), 1), reference, 0.1, 1e-6, autocast, prefixSharing);
        int[] next = {0};
        return new Side() {
            @Override public double step() {
                long t0 = System.nanoTime();
                step.run(batches.get(next[0]++ % batches.size()));
                return (System.nanoTime() - t0) / 1e9;
            }

            @Override public void close() { step.close(); }
        };
    }

    private static Side pytorchSide(Path script, Shape s, int threads) {
        PytorchStep py = new PytorchStep(script, s.config(), s.batch(), s.seqLen(), threads);
        return new Side() {
            @Override public double step() { return py.step(); }

            @Override public void close() { py.close(); }
        };
    }

    private static List<PairExample> pairs(Shape s, SplittableRandom rng, Map<Example, double[]> reference) {
        int v = s.config().vocabSize(), prompt = s.seqLen() / 2, completion = s.seqLen() - prompt;
        List<PairExample> out = new ArrayList<>();
        for (int i = 0; i < s.batch(); i++) {
            PairExample e = new PairExample("bench " + i, rng.ints(prompt, 0, v).toArray(), rng.ints(completion, 0, v).toArray(),
                    rng.ints(completion, 0, v).toArray(), OptionalDouble.empty(), Optional.empty());
            reference.put(e, new double[] {-30.0, -31.0});
            out.add(e);
        }
        return out;
    }

    private static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** dpo_step.py extracted to a temporary file, after installing Debian's torch with apt if /usr/bin/python3 lacks it. */
    private static Path pythonScript() {
        if (exitCode(List.of(PYTHON, "-c", "import torch")) != 0) {
            System.out.println("/usr/bin/python3 has no torch: installing python3-torch libopenblas0-pthread with apt-get");
            if (exitCode(List.of("apt-get", "install", "-y", "python3-torch", "libopenblas0-pthread")) != 0) {
                throw new UserError("apt-get install -y python3-torch libopenblas0-pthread failed; install them or pass --no-pytorch");
            }
        }
        try (InputStream in = BenchTrain.class.getResourceAsStream("/bench/dpo_step.py")) {
            Path p = Files.createTempFile("jpo-dpo-step", ".py");
            p.toFile().deleteOnExit();
            Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int exitCode(List<String> cmd) {
        try {
            return new ProcessBuilder(cmd).inheritIO().start().waitFor();
        } catch (IOException e) {
            return 127;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserError("interrupted");
        }
    }
}
