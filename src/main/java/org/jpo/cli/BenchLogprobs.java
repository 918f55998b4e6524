package org.jpo.cli;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.jpo.config.Binder;
import org.jpo.config.Check;
import org.jpo.config.ConfigError;
import org.jpo.config.Key;
import org.jpo.model.LogProbs;
import org.jpo.model.ModelConfig;
import org.jpo.model.SequenceBatch;
import org.jpo.model.Transformer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

import static org.jpo.tensor.Tensors.*;

/**
 * {@code jpo bench logprobs}: peak resident memory and time of completion log-probs at V = 32k, the baseline
 * being the [B,T-1,V] logits over every position (as LogProbs did before chunking), against the head on
 * completion positions only, at once and in chunks; without gradient and for a training step (forward +
 * backward, the chunked one in two passes). Peak RSS is VmHWM of /proc/self/status, reset before each run by
 * writing 5 to /proc/self/clear_refs, minus the RSS at the reset.
 */
@Command(name = "logprobs", mixinStandardHelpOptions = true,
        description = "Peak RSS and time of log-probs at V=32000: full logits vs chunked, inference and a training step.")
final class BenchLogprobs implements Callable<Integer> {
    @Option(names = "--logprob-chunk-sizes", split = ",", defaultValue = "64,256,1024",
            description = "Chunk sizes, jpo train's logprob_chunk_size (default ${DEFAULT-VALUE}).") List<Integer> logprobChunkSizes;
    @Option(names = "--repeats", defaultValue = "3", description = "Runs per variant; the fastest is shown (default ${DEFAULT-VALUE}).") int repeats;
    @Parameters(paramLabel = "key=value", description = BenchCommand.OVERRIDES) List<String> overrides = List.of();

    /** The settings, one key per flag. */
    record Settings(
            @Key(value = "[64, 256, 1024]", doc = "Chunk sizes, jpo train's logprob_chunk_size.") List<Integer> logprobChunkSizes,
            @Key(value = "3", doc = "Runs per variant; the fastest is shown.") int repeats) {
        Settings {
            for (int k : logprobChunkSizes) {
                if (k < 1) throw new ConfigError("logprob_chunk_sizes", "logprob_chunk_sizes must be >= 1, got " + k);
            }
            Check.atLeast("repeats", repeats, 1);
        }
    }

    static final Binder<Settings> BINDER = new Binder<>(Settings.class, "bench logprobs", "jpo bench logprobs --help");

    Settings settings() { return Overrides.bind(BINDER, () -> new Settings(logprobChunkSizes, repeats), overrides); }

    @Override public Integer call() {
        Settings s = settings();
        int repeats = s.repeats();
        int b = 8, t = 512, prompt = 64;
        try (Transformer m = Transformer.random(ModelConfig.llama(32000, 256, 2, 8, 8, 688, 512), 1)) {
            SplittableRandom rng = new SplittableRandom(5);
            List<int[]> p = new ArrayList<>(), c = new ArrayList<>();
            for (int i = 0; i < b; i++) {
                p.add(rng.ints(prompt, 0, 32000).toArray());
                c.add(rng.ints(t - prompt, 0, 32000).toArray());
            }
            System.out.printf("llama d=256 L=2 V=32000 (%.1fM params), B=%d, T=%d (prompt %d, completion %d)%n",
                    m.numParameters() / 1e6, b, t, prompt, t - prompt);
            System.out.println("  path       variant                       peak RSS MB    ms   max |Δ| vs baseline");
            for (boolean train : new boolean[] {false, true}) {
                m.trainable(train);
                String path = train ? "train" : "inference";
                double[] base = run(repeats, path, "full [B,T-1,V] logits (before)", () -> full(m, SequenceBatch.of(p, c, 0), train), null);
                run(repeats, path, "completion positions, chunk 0", () -> chunked(m, SequenceBatch.of(p, c, 0), 0, train), base);
                for (int k : s.logprobChunkSizes()) run(repeats, path, "chunk " + k, () -> chunked(m, SequenceBatch.of(p, c, 0), k, train), base);
            }
        }
        return 0;
    }

    /** Runs {@code f} {@code repeats} times; prints the lowest peak RSS increase and time; returns its values. */
    private static double[] run(int repeats, String path, String variant, Supplier<double[]> f, double[] base) {
        double peak = Double.MAX_VALUE, ms = Double.MAX_VALUE;
        double[] out = null;
        for (int i = 0; i < repeats; i++) {
            long rss = resetPeak();
            long t0 = System.nanoTime();
            out = f.get();
            ms = Math.min(ms, (System.nanoTime() - t0) / 1e6);
            peak = Math.min(peak, (status("VmHWM") - rss) / 1024.0);
        }
        double diff = 0;
        if (base != null) for (int i = 0; i < out.length; i++) diff = Math.max(diff, Math.abs(out[i] - base[i]));
        System.out.printf("  %-10s %-30s %10.0f %7.0f   %s%n", path, variant, peak, ms, base == null ? "-" : String.format("%.1e", diff));
        return out;
    }

    /** The pre-chunking computation: logits at every position, then gather and logsumexp; loss = −Σ log p. */
    private static double[] full(Transformer m, SequenceBatch batch, boolean train) {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = train ? null : new NoGradGuard()) {
            long t = batch.ids().size(1);
            Tensor logits = m.logits(m.hidden(batch.ids()).narrow(1, 0, t - 1));                         // [B,T-1,V]
            Tensor lp = logits.gather(-1, batch.ids().narrow(1, 1, t - 1).unsqueeze(-1)).squeeze(-1)
                    .sub(logits.logsumexp(new long[] {-1}, false)).mul(batch.completionMask());          // [B,T-1]
            return finish(m, lp, train, null);
        }
    }

    private static double[] chunked(Transformer m, SequenceBatch batch, int chunk, boolean train) {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = train ? null : new NoGradGuard()) {
            LogProbs.Forward f = LogProbs.forward(m, batch, chunk, false);
            return finish(m, f.logps().logps(), train, f.twoPass().orElse(null));
        }
    }

    /** Per-row sums, and after a training step's backward the embedding gradient's first entries. */
    private static double[] finish(Transformer m, Tensor lp, boolean train, LogProbs.TwoPass twoPass) {
        Tensor sums = sum(lp, 1);                                                                        // [B]
        if (!train) return toDoubles(sums);
        Tensor loss = sums.sum().neg();
        if (twoPass != null) twoPass.backward(loss);
        else loss.backward();
        Tensor grad = m.parameters().get("model.layers.0.self_attn.q_proj.weight").grad();
        double[] out = toDoubles(grad.flatten().narrow(0, 0, 1000));
        m.parameters().values().forEach(p -> { if (p.grad().defined()) p.grad().zero_(); });
        return out;
    }

    /** Resets the peak RSS to the current RSS (Linux clear_refs 5) and returns that RSS in kB. */
    private static long resetPeak() {
        System.gc();
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reset the peak RSS (/proc/self/clear_refs)", e);
        }
        return status("VmRSS");
    }

    /** A kB field of /proc/self/status. */
    private static long status(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no " + field + " in /proc/self/status");
    }
}
