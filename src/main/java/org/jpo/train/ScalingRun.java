package org.jpo.train;

import com.fasterxml.jackson.databind.JsonNode;
import org.jpo.data.Example;
import org.jpo.data.PairExample;
import org.jpo.dist.Dist;
import org.jpo.dist.DistOptions;
import org.jpo.io.RunDir;
import org.jpo.loss.Sigmoid;
import org.jpo.model.ModelConfig;
import org.jpo.model.Transformer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.SplittableRandom;

/**
 * jpo train's DPO step through {@link Trainer#train} itself, on random token ids and a random model of a given shape,
 * on however many ranks this process has (for {@code jpo bench train --nproc}): the same seed makes the same model and
 * rows on every rank, and one epoch is exactly the steps asked for. {@code reducer}: gradients averaged by DDP's Reducer
 * during the backward instead of the trainer's flat allreduce after it.
 */
public final class ScalingRun {
    private ScalingRun() {}

    /** What the timed steps measured: global tokens/s, mean seconds per step and in the gradient allreduce. */
    public record Measured(double tokensPerSecond, double stepSeconds, double allreduceSeconds) {}

    /**
     * Trains {@code warmup + steps} steps of {@code perDevice} × {@code accumulation} pairs per rank in {@code dir}; rank 0's
     * numbers (others: empty).
     */
    public static Optional<Measured> run(Path dir, ModelConfig shape, int perDevice, int accumulation, int seqLen, int warmup, int steps,
                                         long seed, boolean reducer) {
        DataParallel dp = new DataParallel(Dist.join(DistOptions.DEFAULT));
        Path model = dir.resolve("model"), rows = dir.resolve("unused.jsonl"), out = dir.resolve("out-world-" + dp.world());
        try {
            Files.createDirectories(model);
            if (!Files.exists(rows)) Files.writeString(rows, "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int total = warmup + steps;
        TrainConfig c = TrainConfig.load(writeConfig(dir, dp, model, rows, out, perDevice, total, seqLen), List.of("gradient_accumulation_steps=" + accumulation));
        Transformer policy = Transformer.random(shape, seed);
        Map<Example, double[]> reference = new IdentityHashMap<>();
        List<PairExample> examples = pairs(shape.vocabSize(), perDevice * accumulation * dp.world() * total, seqLen, seed, reference);
        var objective = new DpoObjective(policy, new Sigmoid(0.1), new DpoObjective.Cached(reference),
                new DpoObjective.Modifiers(1, false, false, false, true, 0));
        RunDir.createDirectories(out);
        if (reducer) dp.useReducer(objective.parameters());
        Trainer.train(new Run<>(c, examples, List.of(), objective, List.of(), false, dp), Optional.empty());
        if (!dp.leader()) return Optional.empty();
        double tokens = 0, seconds = 0, allreduce = 0;
        for (JsonNode l : MetricsLog.read(out.resolve("metrics.jsonl"))) {
            if (l.path("step").asInt() <= warmup) continue;
            double t = l.path("num_tokens").asDouble();
            tokens += t;
            seconds += t / l.path("tokens_per_second").asDouble();
            allreduce += l.path("allreduce_seconds").asDouble(0);
        }
        return Optional.of(new Measured(tokens / seconds, seconds / steps, allreduce / steps));
    }

    private static Path writeConfig(Path dir, DataParallel dp, Path model, Path rows, Path out, int perDevice, int total, int seqLen) {
        Path f = dir.resolve("train-world-" + dp.world() + "-rank-" + dp.rank() + ".yaml");   // each rank its own: one temp file each
        RunDir.writeText(f, "method: dpo\nmodel: " + model + "\ntrain_file: " + rows + "\noutput_dir: " + out + "\nlearning_rate: 1.0e-6\n"
                + "max_steps: " + total + "\nlogging_steps: 1\nsave_steps: " + (total + 1) + "\nper_device_train_batch_size: " + perDevice
                + "\nmax_length: " + (2 * seqLen) + "\nmax_prompt_length: " + seqLen + "\n");
        return f;
    }

    /** Random prompts and completions, half and half of {@code seqLen}, with made-up reference log-probs. */
    private static List<PairExample> pairs(int vocab, int n, int seqLen, long seed, Map<Example, double[]> reference) {
        SplittableRandom rng = new SplittableRandom(seed);
        int prompt = seqLen / 2, completion = seqLen - prompt;
        List<PairExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            PairExample e = new PairExample("bench " + i, rng.ints(prompt, 0, vocab).toArray(), rng.ints(completion, 0, vocab).toArray(),
                    rng.ints(completion, 0, vocab).toArray(), OptionalDouble.empty(), Optional.empty());
            reference.put(e, new double[] {-30.0, -31.0});
            out.add(e);
        }
        return out;
    }

}
