package org.jpo.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.jpo.ChildEnv;
import org.jpo.UserError;
import org.jpo.io.Jsonl;
import org.jpo.model.ModelConfig;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The PyTorch baseline of {@code jpo bench train}: one {@code bench/dpo_step.py} process holding its model, which
 * runs one DPO step per {@link #step()} and reports the step's own wall time. jpo interleaves these steps with its
 * own, so a VM whose speed drifts over minutes slows both sides alike.
 */
final class PytorchStep implements AutoCloseable {
    private final Process process;
    private final BufferedReader out;
    private final Writer in;
    private final List<String> transcript = new ArrayList<>();
    final JsonNode ready;   // {"ready", "torch", "threads", "blas"}

    PytorchStep(Path script, ModelConfig c, int batch, int seqLen, int threads) {
        List<String> cmd = List.of(BenchTrain.PYTHON, script.toString(), "--family", c.family() == ModelConfig.Family.LLAMA ? "llama" : "gpt2",
                "--dim", "" + c.dim(), "--layers", "" + c.nLayers(), "--heads", "" + c.nHeads(), "--kv-heads", "" + c.nKvHeads(),
                "--hidden", "" + c.hiddenDim(), "--vocab", "" + c.vocabSize(), "--seq-len", "" + seqLen, "--batch-size", "" + batch,
                "--threads", "" + threads);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        ChildEnv.strip(pb.environment());
        pb.environment().put("OPENBLAS_NUM_THREADS", "" + threads);
        pb.environment().put("OMP_NUM_THREADS", "" + threads);
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new UserError("cannot start " + BenchTrain.PYTHON + ": " + e.getMessage() + " (pass --no-pytorch to skip the baseline)");
        }
        out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        ready = answer("ready");
    }

    /** Runs one step; its wall time in seconds, as dpo_step.py measured it around the step. */
    double step() {
        try {
            in.write("step\n");
            in.flush();
        } catch (IOException e) {
            throw failed("its stdin closed (" + e.getMessage() + ")");
        }
        return answer("seconds").path("seconds").asDouble();
    }

    /** The next JSON line that has {@code field}; anything else the script prints (warnings) is kept for errors. */
    private JsonNode answer(String field) {
        try {
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith("{")) {
                    JsonNode n = Jsonl.JSON.readTree(line);
                    if (n.has(field)) return n;
                }
                transcript.add(line);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw failed("it exited before printing \"" + field + "\"");
    }

    private UserError failed(String why) {
        return new UserError("bench/dpo_step.py failed: " + why + ". Its output:\n" + String.join("\n", transcript));
    }

    @Override public void close() {
        try {
            in.close();
        } catch (IOException ignored) {
            // the process has already gone; destroy() below covers it
        }
        process.destroy();
    }
}
