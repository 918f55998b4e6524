package org.jpo.cli;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.jpo.config.Binder;
import org.jpo.config.Check;
import org.jpo.config.ConfigError;
import org.jpo.config.Key;
import org.jpo.model.LogProbs;
import org.jpo.model.ModelConfig;
import org.jpo.model.PackedLists;
import org.jpo.model.SequenceBatch;
import org.jpo.model.TokenBatch;
import org.jpo.model.TokenLogps;
import org.jpo.model.Transformer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

import static org.jpo.tensor.Tensors.*;

/**
 * {@code jpo bench prefix}: the DPO step (policy forward + backward, sigmoid loss against fixed reference
 * log-probs) with chosen and rejected as two rows repeating the prompt (the baseline) against one packed row
 * per pair sharing the prompt (arXiv:2410.20305), at several prompt:completion ratios, same command, same
 * weights, same tokens; the results are compared too. With {@code --list-size K} each prompt has K completions (a
 * ranked list, pairs.strategy list): K rows against one packed row, and the loss −log softmax(0.1·π)_1 over the
 * list, which at K = 2 is the sigmoid loss.
 */
@Command(name = "prefix", mixinStandardHelpOptions = true,
        description = "DPO step time, plain concatenated forward vs prompt prefix sharing, at prompt:completion 1:1, 4:1 and 16:1; "
                + "--list-size K: lists of K completions per prompt.")
final class BenchPrefix implements Callable<Integer> {
    @Option(names = "--steps", defaultValue = "7", description = "Timed steps per variant and ratio (default ${DEFAULT-VALUE}).") int steps;
    @Option(names = "--batch-size", defaultValue = "8", description = "Pairs per step (default ${DEFAULT-VALUE}).") int batchSize;
    @Option(names = "--seq-len", defaultValue = "256", description = "Tokens of prompt + completion in a plain row (default ${DEFAULT-VALUE}).") int seqLen;
    @Option(names = "--ratios", split = ",", defaultValue = "1,4,16", description = "Prompt:completion ratios, > 0 (0.25 is 1:4; default ${DEFAULT-VALUE}).") List<Double> ratios;
    @Option(names = "--list-size", defaultValue = "2", description = "Completions per prompt; 2 = a pair (default ${DEFAULT-VALUE}).") int listSize;
    @Parameters(paramLabel = "key=value", description = BenchCommand.OVERRIDES) List<String> overrides = List.of();

    /** The settings, one key per flag. */
    record Settings(
            @Key(value = "7", doc = "Timed steps per variant and ratio.") int steps,
            @Key(value = "8", doc = "Pairs per step.") int batchSize,
            @Key(value = "256", doc = "Tokens of prompt + completion in a plain row.") int seqLen,
            @Key(value = "[1, 4, 16]", doc = "Prompt:completion ratios, > 0 (0.25 is 1:4).") List<Double> ratios,
            @Key(value = "2", doc = "Completions per prompt (K); 2 = a preference pair.") int listSize) {
        Settings {
            Check.atLeast("steps", steps, 1);
            Check.atLeast("batch_size", batchSize, 1);
            Check.atLeast("seq_len", seqLen, 2);
            for (double r : ratios) if (!(r > 0) || Double.isInfinite(r)) throw new ConfigError("ratios", "ratios must be finite and > 0, got " + r);
            Check.atLeast("list_size", listSize, 2);
        }
    }

    static final Binder<Settings> BINDER = new Binder<>(Settings.class, "bench prefix", "jpo bench prefix --help");

    Settings settings() { return Overrides.bind(BINDER, () -> new Settings(steps, batchSize, seqLen, ratios, listSize), overrides); }

    @Override public Integer call() {
        Settings s = settings();
        int steps = s.steps(), batch = s.batchSize(), length = s.seqLen();
        ModelConfig shape = ModelConfig.llama(8192, 256, 6, 8, 8, 688, 512);
        System.out.printf("threads: libtorch %d, OpenBLAS %d%n", torch.get_num_threads(), org.jpo.tensor.Natives.blasThreads());
        try (Transformer m = Transformer.random(shape, 1)) {
            m.trainable(true);
            System.out.printf("llama d=256 L=6 H=8 V=8192 (%.1fM params), B=%d %s, plain row = prompt + completion = %d tokens%n",
                    m.numParameters() / 1e6, batch, s.listSize() == 2 ? "pairs" : "lists of " + s.listSize(), length);
            System.out.println("  prompt:completion  prompt  compl.   plain ms   shared ms   speed-up   max |Δloss|   max |Δgrad|");
            for (double r : s.ratios()) ratio(m, r, steps, batch, length, s.listSize());
        }
        return 0;
    }

    private static void ratio(Transformer m, double r, int steps, int batch, int length, int k) {
        int prompt = (int) Math.round(length * r / (r + 1)), completion = length - prompt;
        if (prompt < 1 || completion < 1) {
            throw new org.jpo.UserError("ratio " + label(r) + " of " + length + " tokens leaves " + prompt + " prompt and " + completion
                    + " completion tokens; both need one (raise --seq-len)");
        }
        SplittableRandom rng = new SplittableRandom(3);
        List<int[]> p = new ArrayList<>();
        List<List<int[]>> lists = new ArrayList<>();
        int v = m.config().vocabSize();
        for (int i = 0; i < batch; i++) {
            p.add(rng.ints(prompt, 0, v).toArray());
            List<int[]> ys = new ArrayList<>();
            for (int y = 0; y < k; y++) ys.add(rng.ints(completion, 0, v).toArray());
            lists.add(ys);
        }
        // plain rows as the packed output lays them out: completion y of prompt i in row y·B + i
        List<int[]> prompts2 = new ArrayList<>(), completions = new ArrayList<>();
        for (int y = 0; y < k; y++) {
            for (int i = 0; i < batch; i++) { prompts2.add(p.get(i)); completions.add(lists.get(i).get(y)); }
        }
        double[] plain = new double[steps], shared = new double[steps];
        double[][] a = null, b = null;
        for (int i = -1; i < steps; i++) {   // interleaved, so load from other processes hits both alike
            try (PointerScope scope = new PointerScope()) {
                double[][] x = step(m, SequenceBatch.of(prompts2, completions, 0), k, i, plain);
                double[][] y = step(m, PackedLists.of(p, lists, 0), k, i, shared);
                if (i == 0) { a = x; b = y; }
            }
        }
        double lossDiff = Math.abs(a[0][0] - b[0][0]), gradDiff = 0;
        for (int t = 1; t < a.length; t++) for (int q = 0; q < a[t].length; q++) gradDiff = Math.max(gradDiff, Math.abs(a[t][q] - b[t][q]));
        Arrays.sort(plain);
        Arrays.sort(shared);
        double mp = plain[steps / 2], ms = shared[steps / 2];
        System.out.printf("  %14s %9d %7d %10.1f %11.1f %9.2fx %13.1e %13.1e%n", label(r), prompt, completion, mp, ms, mp / ms,
                lossDiff, gradDiff);
    }

    /** r:1 for r >= 1, else 1:(1/r), whole numbers without decimals. */
    static String label(double r) {
        double x = r >= 1 ? r : 1 / r;
        String n = Math.abs(x - Math.rint(x)) < 0.01 ? Long.toString(Math.round(x)) : String.format("%.2f", x);
        return r >= 1 ? n + ":1" : "1:" + n;
    }

    /**
     * One step on {@code rows} (K completions per prompt, completion y of prompt i in row y·B + i); its median time goes to
     * {@code ms[i]}; returns the loss then every gradient. The loss: −logσ(0.1·(π₁ − π₂)) for pairs (DPO's), else
     * −log softmax(0.1·π)₁ over each list.
     */
    private static double[][] step(Transformer m, TokenBatch rows, int k, int i, double[] ms) {
        m.parameters().values().forEach(t -> { if (t.grad().defined()) t.grad().zero_(); });
        long t0 = System.nanoTime();
        TokenLogps lp = LogProbs.forward(m, rows, 0, false).logps();                               // [K·B,L]
        Tensor sums = lp.sum();                                                                     // [K·B]
        long n = sums.size(0) / k;
        Tensor loss = k == 2 ? torch.log_sigmoid(sums.narrow(0, 0, n).sub(sums.narrow(0, n, n)).mul(s(0.1))).neg().mean()
                : torch.log_softmax(sums.view(k, n).t().mul(s(0.1)), 1).select(1, 0).neg().mean();
        loss.backward();
        if (i >= 0) ms[i] = (System.nanoTime() - t0) / 1e6;
        if (i != 0) return null;
        List<double[]> out = new ArrayList<>();
        out.add(new double[] {item(loss)});
        for (Tensor p : m.parameters().values()) out.add(toDoubles(p.grad()));
        return out.toArray(new double[0][]);
    }
}
