package org.jpo.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.jpo.ChildJpo;
import org.jpo.UserError;
import org.jpo.io.Jsonl;
import org.jpo.io.Trees;
import org.jpo.model.ModelConfig;
import org.jpo.tensor.Natives;
import org.jpo.train.ScalingRun;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code jpo bench train --nproc N}: jpo train's DPO step on the llama shape, through the trainer itself, at world 1 and at
 * N ranks (a process each, {@code threads_per_rank} threads each, on this machine's loopback), on the same global batch
 * of batch_size × N pairs. Reports tokens/s of both, the scaling efficiency (world N's tokens/s over N × world 1's) and
 * the gradient allreduce's time per step and share of it.
 */
final class BenchTrainDist {
    private BenchTrainDist() {}

    static int run(BenchTrain.Settings cfg, ModelConfig shape) {
        int n = cfg.nproc(), t = cfg.threadsPerRank();
        Path dir = tempDir();
        try {
            System.out.printf("jpo train's DPO step, llama D=%d L=%d V=%d, T=%d, %d pairs per rank per step; world 1 and world %d at %d thread%s "
                    + "each; %d timed steps after %d%n", cfg.dim(), cfg.layers(), cfg.vocab(), cfg.seqLen(), cfg.batchSize(), n, t, t == 1 ? "" : "s",
                    cfg.steps(), cfg.warmup());
            Natives.threads(t);
            // world 1: the ranks' micro-batches accumulated (the same work per forward), and the global batch in one forward
            ScalingRun.Measured one = ScalingRun.run(dir.resolve("one"), shape, cfg.batchSize(), n, cfg.seqLen(), cfg.warmup(), cfg.steps(), 1, false)
                    .orElseThrow();
            ScalingRun.Measured whole = ScalingRun.run(dir.resolve("whole"), shape, cfg.batchSize() * n, 1, cfg.seqLen(), cfg.warmup(), cfg.steps(), 1,
                    false).orElseThrow();
            System.out.printf("  world 1, %d × %d pairs accumulated  tokens_per_second %,9.0f  step_seconds %.3f%n", n, cfg.batchSize(),
                    one.tokensPerSecond(), one.stepSeconds());
            System.out.printf("  world 1, %d pairs in one forward    tokens_per_second %,9.0f  step_seconds %.3f%n", n * cfg.batchSize(),
                    whole.tokensPerSecond(), whole.stepSeconds());
            for (boolean reducer : new boolean[] {false, true}) {
                ScalingRun.Measured many = ranks(dir.resolve(reducer ? "reducer" : "flat"), cfg, reducer);
                System.out.printf("  world %d, %-23s tokens_per_second %,9.0f  step_seconds %.3f  scaling_efficiency %.2f (%.2f)", n,
                        reducer ? "DDP's Reducer" : "flat allreduce", many.tokensPerSecond(), many.stepSeconds(),
                        many.tokensPerSecond() / (n * one.tokensPerSecond()), many.tokensPerSecond() / (n * whole.tokensPerSecond()));
                if (!reducer) System.out.printf("  allreduce_seconds %.3f (%.0f%% of the step)", many.allreduceSeconds(), 100 * many.allreduceSeconds() / many.stepSeconds());
                System.out.println();
            }
            System.out.printf("  (scaling_efficiency: world %d's tokens/s over %d × world 1's accumulated (in one forward); jpo train uses the flat allreduce)%n", n, n);
            System.out.printf("  largest weight difference after the steps: flat vs Reducer %.1e, flat vs world 1 %.1e%n",
                    difference(dir.resolve("flat"), dir.resolve("reducer"), n, n), difference(dir.resolve("flat"), dir.resolve("one"), n, 1));
            return 0;
        } finally {
            Natives.threads(Runtime.getRuntime().availableProcessors());
            Trees.delete(dir);
        }
    }

    /** A child's part: train as its rank; rank 0 prints its numbers as one JSON line. */
    static int rank(BenchTrain.Settings cfg, Path dir, ModelConfig shape, boolean reducer) {
        ScalingRun.run(dir, shape, cfg.batchSize(), 1, cfg.seqLen(), cfg.warmup(), cfg.steps(), 1, reducer)
                .ifPresent(m -> System.out.println(Jsonl.JSON.valueToTree(m)));
        return 0;
    }

    /** Starts the N ranks (this bench's settings, each its own JVM) and reads rank 0's line; any rank failing is an error with its log. */
    private static ScalingRun.Measured ranks(Path dir, BenchTrain.Settings cfg, boolean reducer) {
        int n = cfg.nproc(), port = org.jpo.dist.World.freePort();
        List<Process> ps = new ArrayList<>();
        try {
            Files.createDirectories(dir);
            for (int r = 0; r < n; r++) {
                List<String> cmd = new ArrayList<>(ChildJpo.sameJvm(cfg.threadsPerRank()).command(List.of("bench", "train", "--rank-of", dir.toString(),
                        "--nproc", Integer.toString(n), "dim=" + cfg.dim(), "layers=" + cfg.layers(), "vocab=" + cfg.vocab(), "seq_len=" + cfg.seqLen(),
                        "batch_size=" + cfg.batchSize(), "steps=" + cfg.steps(), "warmup=" + cfg.warmup())));
                if (reducer) cmd.add("--rank-reducer");
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("rank-" + r + ".log").toFile());
                pb.environment().putAll(java.util.Map.of("RANK", "" + r, "WORLD_SIZE", "" + n, "LOCAL_RANK", "" + r, "LOCAL_WORLD_SIZE", "" + n,
                        "MASTER_ADDR", "127.0.0.1", "MASTER_PORT", "" + port, "JPO_EXIT_WITH_PARENT", "1"));
                ps.add(pb.start());
            }
            StringBuilder failed = new StringBuilder();
            for (int r = 0; r < n; r++) {
                Process p = ps.get(r);
                if (!p.waitFor(3600, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    failed.append("bench rank ").append(r).append(" failed; its log:\n").append(Files.readString(dir.resolve("rank-" + r + ".log")));
                }
            }
            if (!failed.isEmpty()) throw new UserError(failed.toString().strip());
            String last = Files.readAllLines(dir.resolve("rank-0.log")).stream().filter(l -> l.startsWith("{")).reduce((a, b) -> b)
                    .orElseThrow(() -> new UserError("bench rank 0 printed no result"));
            JsonNode o = Jsonl.JSON.readTree(last);
            return new ScalingRun.Measured(o.get("tokensPerSecond").asDouble(), o.get("stepSeconds").asDouble(), o.get("allreduceSeconds").asDouble());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserError("interrupted");
        } finally {
            ps.forEach(Process::destroyForcibly);
        }
    }

    /** The largest absolute difference between the final weights of two of the runs. */
    private static double difference(Path a, Path b, int worldA, int worldB) {
        try (org.bytedeco.javacpp.PointerScope scope = new org.bytedeco.javacpp.PointerScope()) {
            var x = org.jpo.io.SafeTensors.read(a.resolve("out-world-" + worldA + "/final/model.safetensors"));
            var y = org.jpo.io.SafeTensors.read(b.resolve("out-world-" + worldB + "/final/model.safetensors"));
            double max = 0;
            for (String k : x.keySet()) max = Math.max(max, x.get(k).sub(y.get(k)).abs().max().item_double());
            return max;
        }
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("jpo-bench-dist");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
