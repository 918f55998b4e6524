package org.jpo.train;

import org.jpo.data.Example;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.jpo.Progress;
import org.jpo.UserError;
import org.jpo.io.RunDir;
import org.jpo.model.Checkpoints;
import org.jpo.model.Transformer;
import org.jpo.tensor.Natives;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.jpo.tensor.Tensors.*;

/**
 * The training loop, the same for every method: for each optimizer step, accumulate the gradients of
 * {@code gradient_accumulation_steps} micro-batches, clip, update with AdamW at the scheduled rate, log,
 * evaluate and checkpoint on schedule. Knows nothing of where the examples came from.
 */
public final class Trainer {
    private static final Logger log = LoggerFactory.getLogger(Trainer.class);

    /** What a finished run reports. */
    /** @param trainableParameters the number of weights the optimizer updated (the adapters' alone with LoRA) */
    public record Result(Path finalModel, long steps, long startStep, Map<String, Double> lastLog, Map<String, Double> eval,
                         boolean referenceCacheHit, long trainableParameters) {}

    /** A stop on a NaN/Inf loss; the last checkpoint on disk is the last good state. */
    public static final class Diverged extends UserError {
        Diverged(String message) { super(message); }
    }

    private Trainer() {}

    /**
     * Runs the training {@code run} describes, or continues it from checkpoint {@code from} (whose weights
     * {@link Runs#prepare} already loaded into the objective).
     */
    public static <E extends Example> Result train(Run<E> run, Optional<Path> from) {
        DataParallel dp = run.dp();
        TrainerState state = from.map(TrainerState::read).orElse(new TrainerState(0, run.seed(), new Window(), Map.of(), dp.world()));
        if (state.worldSize() != dp.world()) {
            throw new UserError("--resume: " + from.orElseThrow() + " was trained by " + state.worldSize() + (state.worldSize() == 1 ? " process" : " ranks")
                    + " (global batch per_device_train_batch_size × " + state.worldSize() + "), this run has " + dp.world()
                    + ": resume it with " + state.worldSize() + (state.worldSize() == 1 ? " process" : " ranks") + " (jpo launch --nproc-per-node "
                    + state.worldSize() + "), so every step keeps its global batch");
        }

        Objective<E> objective = run.objective();
        long trainable = objective.parameters().values().stream().mapToLong(Tensor::numel).sum();
        log.debug("trainable parameters: {}", trainable);
        try (AdamW opt = new AdamW(objective.parameters(), run.beta1(), run.beta2(), run.adamEpsilon(), run.weightDecay());
             Natives.Pools threads = Natives.trainingThreads(run.config().opt().bf16())) {
            dp.group().ifPresent(g -> g.requireSame("the resolved config (or the checkpoint it resumes)",
                    run.config().toYaml() + "\nresume: " + state.step(), "comparing the ranks' configs"));
            from.ifPresent(c -> Checkpointing.loadOptimizer(c, opt));
            if (from.isPresent()) objective.restore(state.objective());
            objective.parallel(dp);
            dp.broadcastParameters(objective.parameters());
            if (run.train().size() < dp.world()) {
                throw new UserError(run.config().trainFile() + ": " + run.train().size() + " training examples for " + dp.world() + " ranks; each needs one");
            }
            // the global batch is per_device_train_batch_size × world (TRL's meaning); each rank trains on its share
            Order<E> order = new Order<>(run.train(), run.batchSize() * dp.world(), run.seed());
            long total = run.totalSteps(order.batchesPerEpoch());
            Path finalDir = run.outputDir().resolve("final");
            long finished = requireWorkLeft(run, from, state.step(), total);
            if (finished == total) {
                log.info("finished: all {} steps are done in {} (raise max_steps or num_train_epochs to train further)", total, finalDir);
                return new Result(finalDir, total, total, Map.of(), Map.of(), run.referenceCacheHit(), trainable);
            }
            from.ifPresent(c -> log.info("resuming from {} (step {})", c, state.step()));
            if (dp.leader()) RunDir.writeText(run.outputDir().resolve(RunDir.CONFIG), run.config().toYaml());
            Schedule schedule = run.schedule(total);
            MetricsLog metrics = dp.leader() ? new MetricsLog(run.outputDir().resolve("metrics.jsonl"), state.step()) : MetricsLog.NONE;
            Window window = state.window();
            Progress progress = Progress.start("train", "steps", total, state.step());
            Map<String, Double> lastLog = Map.of(), eval = Map.of();
            List<String> names = null;   // the metrics' names, agreed by the ranks at the first micro-batch
            double syncSeconds = 0;      // several ranks: time in the gradient allreduce since the last log line
            int syncSteps = 0;

            for (long step = state.step(); step < total; step++) {
                long t0 = System.nanoTime();
                for (int micro = 0; micro < run.accumulation(); micro++) {
                    long k = step * run.accumulation() + micro;
                    List<E> global = order.batch(k), batch = dp.shard(global);
                    try (PointerScope scope = new PointerScope()) {
                        Objective.Step s = null;
                        if (batch.isEmpty()) objective.idle();
                        else {
                            dp.beforeForward();
                            s = forward(objective, batch, run.config().opt().bf16());
                        }
                        if (names == null) names = dp.metricNames(s == null ? List.of() : List.copyOf(s.metrics().keySet()));
                        double loss = s == null ? 0 : item(s.loss());
                        DataParallel.Combined c = dp.combine(s, Double.isFinite(loss), names);
                        if (c.diverged()) throw diverged(run, step, micro, Double.isFinite(loss) ? Double.NaN : loss, global);
                        if (s != null && c.scale() != 0) {
                            dp.beforeBackward();
                            s.backward(run.accumulation() / c.scale());
                        }
                        window.add(c.metrics(), c.tokens());
                    }
                }
                long s0 = System.nanoTime();
                dp.averageGradients(objective.parameters());
                syncSeconds += (System.nanoTime() - s0) / 1e9;
                syncSteps++;
                double lr = schedule.at(step);
                double gradNorm = update(opt, objective.parameters(), run.maxGradNorm(), lr);
                long done = step + 1;
                objective.afterUpdate(done);
                window.seconds += (System.nanoTime() - t0) / 1e9;

                if (done % run.loggingSteps() == 0 || done == total) {
                    lastLog = logLine(window, gradNorm, lr);
                    if (dp.world() > 1) lastLog.put("allreduce_seconds", syncSeconds / syncSteps);
                    syncSeconds = 0;
                    syncSteps = 0;
                    metrics.log(done, order.epoch(done * run.accumulation()), lastLog);
                    window.reset();
                }
                progress.update(done, summary(lastLog));
                if (run.evalSteps() > 0 && done % run.evalSteps() == 0 && done < total && !run.eval().isEmpty()) {
                    eval = evaluate(objective, run);
                    metrics.log(done, order.epoch(done * run.accumulation()), eval);
                }
                if (run.saveSteps() > 0 && done % run.saveSteps() == 0 && done < total && dp.leader()) {
                    Checkpointing.save(run.outputDir(), new TrainerState(done, run.seed(), window, objective.state(), dp.world()), objective, opt,
                            run.liveReference(), run.tokenizerFiles(), run.saveTotalLimit());
                }
            }
            if (!run.eval().isEmpty()) {
                eval = evaluate(objective, run);
                metrics.log(total, order.epoch(total * run.accumulation()), eval);
            }
            if (dp.world() > 1) {
                long sum = dp.requireSameParameters(objective.parameters());
                log.info("parameters identical on all {} ranks (checksum {})", dp.world(), Long.toHexString(sum));
            }
            if (dp.leader()) {
                objective.save(finalDir, run.tokenizerFiles());
                new TrainerState(total, run.seed(), new Window(), objective.state(), dp.world()).write(finalDir);
            }
            progress.close();
            log.debug("model saved to {}", finalDir);   // where a command puts it in its own result
            return new Result(finalDir, total, state.step(), lastLog, eval, run.referenceCacheHit(), trainable);
        } finally {
            objective.close();
        }
    }

    /**
     * What a resume finds in output_dir must leave work to do without going back: a checkpoint or a {@code final/}
     * past {@code total} steps (max_steps lowered) is refused, as continuing would replace {@code final/} with an
     * earlier state. Returns the steps {@code final/} records (-1 when there is none, or it predates the record).
     */
    private static long requireWorkLeft(Run<?> run, Optional<Path> from, long startStep, long total) {
        Path finalDir = run.outputDir().resolve("final");
        long finished = Files.isRegularFile(finalDir.resolve(TrainerState.FILE)) ? TrainerState.read(finalDir).step() : -1;
        String steps = total + (total == 1 ? " step" : " steps") + " this config trains";
        String how = "; raise max_steps (or num_train_epochs), or start again with --overwrite";
        if (startStep > total) {
            throw new UserError("--resume: " + from.orElseThrow() + " is at step " + startStep + ", past the " + steps + how);
        }
        if (finished > total) {
            throw new UserError("--resume: " + finalDir + " holds step " + finished + ", past the " + steps
                    + "; resuming would replace it with an earlier state" + how);
        }
        return finished;
    }

    /** The training forward of one micro-batch, autocast to bf16 when {@code bf16} (config key bf16). */
    static <E extends Example> Objective.Step forward(Objective<E> objective, List<E> batch, boolean bf16) {
        try (Autocast a = Autocast.bf16(bf16)) {
            return objective.train(batch);
        }
    }

    /** Clip (when {@code maxNorm} > 0), one AdamW update at {@code lr}, gradients cleared; returns the norm before clipping. */
    static double update(AdamW opt, Map<String, Tensor> params, double maxNorm, double lr) {
        double gradNorm = clip(params, maxNorm);
        opt.step(lr);
        opt.zeroGrad();
        return gradNorm;
    }

    /** Total gradient norm before clipping; clips to {@code maxNorm} when it is positive. */
    private static double clip(Map<String, Tensor> params, double maxNorm) {
        try (PointerScope scope = new PointerScope()) {
            TensorVector grads = new TensorVector(params.values().stream().filter(p -> p.grad().defined()).toArray(Tensor[]::new));
            if (maxNorm > 0) return torch.clip_grad_norm_(grads, maxNorm);
            double sq = 0;   // max_grad_norm <= 0: no clipping, but the norm is still logged
            for (Tensor p : params.values()) if (p.grad().defined()) sq += item(p.grad().pow(s(2)).sum());
            return Math.sqrt(sq);
        }
    }

    private static Map<String, Double> logLine(Window w, double gradNorm, double lr) {
        Map<String, Double> m = new LinkedHashMap<>(w.means());
        m.put("grad_norm", gradNorm);
        m.put("learning_rate", lr);
        m.put("num_tokens", (double) w.tokens);
        m.put("tokens_per_second", w.seconds > 0 ? w.tokens / w.seconds : 0.0);
        return m;
    }

    /** The metrics the progress bar shows, by their TRL names. */
    private static String summary(Map<String, Double> m) {
        if (m.isEmpty()) return "";
        StringBuilder sb = new StringBuilder();
        for (String k : new String[] {"loss", "rewards/accuracies", "rewards/margins", "accuracy", "kl"}) {
            if (m.containsKey(k)) sb.append(String.format("%s %.4f ", k, m.get(k)));
        }
        return sb.append(String.format("lr %.2e %.0f tok/s", m.get("learning_rate"), m.get("tokens_per_second"))).toString();
    }

    /**
     * Mean metrics over the eval set (no gradient), with TRL's {@code eval_} prefix. Several ranks: rank r evaluates
     * every W-th batch and the sums are added over the ranks, so the means are one process's.
     */
    static <E extends Example> Map<String, Double> evaluate(Objective<E> objective, Run<E> run) {
        Window w = new Window();
        List<E> eval = run.eval();
        DataParallel dp = run.dp();
        for (int i = dp.rank() * run.evalBatchSize(); i < eval.size(); i += run.evalBatchSize() * dp.world()) {
            try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                Objective.Step s = objective.compute(eval.subList(i, Math.min(eval.size(), i + run.evalBatchSize())));
                w.add(s.metrics(), s.tokens());
            }
        }
        Map<String, Double> m = new LinkedHashMap<>();
        dp.sum(w).means().forEach((k, v) -> m.put("eval_" + k, v));
        return m;
    }

    private static Diverged diverged(Run<?> run, long step, int micro, double loss, List<? extends Example> batch) {
        String sources = batch.stream().limit(4).map(Example::source).toList() + (batch.size() > 4 ? " ..." : "");
        Optional<Path> last = Checkpointing.latest(run.outputDir());
        return new Diverged("loss is " + loss + " at step " + (step + 1) + ", micro-batch " + (micro + 1) + " (examples " + sources
                + "); stopped without saving. Last good checkpoint: " + last.map(Path::toString).orElse("none (nothing saved yet)"));
    }

    /** Removes stale temporary checkpoints a killed run may have left. */
    static void cleanTemporaries(Path outputDir) {
        try (var s = Files.list(outputDir)) {
            for (Path p : s.filter(x -> x.getFileName().toString().endsWith(".tmp")).toList()) org.jpo.io.Trees.delete(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The newest complete checkpoint in {@code outputDir}, which {@code --resume} continues from. */
    public static Optional<Path> latestCheckpoint(Path outputDir) { return Checkpointing.latest(outputDir); }

    /** Loads the policy to train: from the checkpoint being resumed, else from the configured model. */
    static Transformer policy(Path model, Optional<Path> resumeFrom) {
        return Checkpoints.load(resumeFrom.orElse(model));
    }
}
