package org.jpo.cli;

import org.bytedeco.pytorch.global.torch;
import org.jpo.model.ModelConfig;
import org.jpo.tensor.Natives;
import org.jpo.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class BenchTrainTest {
    /**
     * Llama V=10, D=4, L=1, H=2 (head 2, q_dim 4), 1 KV head (kv_dim 2), F=6; 2 rows of T=3.
     * Per layer: q 4·4 + k 4·2 + v 4·2 + o 4·4 + gate/up/down 3·4·6 = 16 + 8 + 8 + 16 + 72 = 120 weights.
     * Body 6·120·(2·3 tokens) = 4320; head 6·(10·4)·(2 rows · 2 completion tokens) = 960;
     * attention 12·1·4·3²·2 = 864. Total 6144.
     */
    @Test void llamaStepFlopsCountedByHand() {
        assertEquals(6144, BenchTrain.stepFlops(ModelConfig.llama(10, 4, 1, 2, 1, 6, 8), 2, 3, 2));
    }

    /**
     * GPT-2 V=10, D=4, L=2, H=2, F=16; 1 row of T=4. Per layer: c_attn 4·12 + c_proj 4·4 + c_fc 4·16 +
     * mlp c_proj 16·4 = 48 + 16 + 64 + 64 = 192. Body 6·2·192·4 = 9216; head 6·40·(1 row · 1 completion token) = 240;
     * attention 12·2·4·4²·1 = 1536. Total 10992.
     */
    @Test void gpt2StepFlopsCountedByHand() {
        assertEquals(10992, BenchTrain.stepFlops(ModelConfig.gpt2(10, 4, 2, 2, 8), 1, 4, 1));
    }

    /**
     * --nproc 2: the trainer at world 1 (the ranks' micro-batches accumulated, and the global batch in one forward) and on
     * two ranks with each gradient sync; the flat allreduce, DDP's Reducer and world 1 accumulated end with the same weights.
     */
    @Test void dataParallelScalingThroughTheTrainer() {
        org.jpo.testing.Cli.Result r = org.jpo.testing.Cli.run("bench", "train", "--nproc", "2", "--steps", "2", "--warmup", "1", "--dim", "64", "--layers", "1",
                "--vocab", "64", "--seq-len", "8", "--batch-size", "2");
        assertEquals(0, r.exit(), r.toString());
        for (String line : new String[] {"world 1, 2 × 2 pairs accumulated  tokens_per_second", "world 1, 4 pairs in one forward    tokens_per_second",
                "world 2, flat allreduce          tokens_per_second", "world 2, DDP's Reducer           tokens_per_second", "scaling_efficiency",
                "allreduce_seconds", "largest weight difference after the steps: flat vs Reducer 0.0e+00, flat vs world 1 0.0e+00"}) {
            assertTrue(r.out().contains(line), line + " missing from:\n" + r);
        }
    }

    @Test void runsEndToEndAtTinySizesWithoutPytorch() {
        int threadsBefore = torch.get_num_threads(), blasBefore = Natives.blasThreads();
        PrintStream saved = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            code = Main.run("bench", "train", "--no-pytorch", "--thread-counts", "1", "--dim", "64", "--layers", "1", "--vocab", "64",
                    "--seq-len", "8", "--batch-size", "1", "--steps", "1", "--warmup", "0", "--peak-size", "32", "--bf16-peak-size", "32",
                    "--bf16", "--bf16-dim", "64", "--bf16-layers", "1", "--bf16-batch-size", "1");
        } finally {
            System.setOut(saved);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, out);
        // Llama D=64 L=1 H=1 F=192 V=64: embeddings 64·64, attention 4·64², MLP 3·64·192, norms 3·64
        assertTrue(out.contains("shape llama D=64 L=1 H=1 F=192 V=64 T=8 B=1: parameters 57,536"), out);
        for (String field : new String[] {"flops_per_step", "peak_fp32_gflops", "peak_bf16_gflops", "threads 1 (libtorch 1, 1 inside an fp32 step; OpenBLAS 1)",
                "llama jpo tokens_per_second", "gpt2  jpo tokens_per_second", "llama jpo prefix_sharing (jpo train's default) tokens_per_second",
                "gpt2  jpo prefix_sharing (jpo train's default) tokens_per_second", "mfu_fp32", "mfu_bf16", "bf16_speedup", "blas: jpo"}) {
            assertTrue(out.contains(field), field + " missing from:\n" + out);
        }
        assertFalse(out.contains("ratio_vs_pytorch"), out);
        assertEquals(threadsBefore, torch.get_num_threads(), "the bench restores libtorch's pool");
        assertEquals(blasBefore, Natives.blasThreads(), "the bench restores OpenBLAS's pool");
    }

    /** A side that logs "name:call" on every step and returns the call number as its seconds. */
    private static BenchTrain.Side logging(String name, List<String> log) {
        return new BenchTrain.Side() {
            int calls;

            @Override public double step() {
                log.add(name + ":" + calls);
                return calls++;
            }

            @Override public void close() { log.add(name + ":closed"); }
        };
    }

    @Test void sidesRunInTurnAndWarmUpStepsAreNotTimed() {
        List<String> log = new ArrayList<>();
        double[][] sec = BenchTrain.alternate(List.of(logging("a", log), logging("b", log)), 1, 2, 0);
        assertEquals(List.of("a:0", "b:0", "a:1", "b:1", "a:2", "b:2", "a:closed", "b:closed"), log);
        assertArrayEquals(new double[] {1, 2}, sec[0]);
        assertArrayEquals(new double[] {1, 2}, sec[1]);
    }

    @Test void aSideThatFailsStillClosesEverySide() {
        List<String> log = new ArrayList<>();
        BenchTrain.Side broken = new BenchTrain.Side() {
            @Override public double step() { throw new UserError("step failed"); }

            @Override public void close() { log.add("broken:closed"); }
        };
        assertThrows(UserError.class, () -> BenchTrain.alternate(List.of(logging("a", log), broken), 0, 3, 0));
        assertEquals(List.of("a:0", "a:closed", "broken:closed"), log);
    }

    @Test void ratiosPairStepIOfBothSides() {
        assertArrayEquals(new double[] {2.0, 0.5, 1.0}, BenchTrain.ratios(new double[] {2, 3, 4}, new double[] {1, 6, 4}));
    }

    /** dpo_step.py's protocol, played by a script without torch: a JSON "ready" line, then one "seconds" line per "step". */
    @Test void pytorchStepReadsReadyThenOneAnswerPerStep(@TempDir Path dir) throws Exception {
        Path script = dir.resolve("fake.py");
        Files.writeString(script, String.join("\n",
                "import sys",
                "print('a warning line from torch')",
                "print('{\"ready\": true, \"torch\": \"9.9\", \"blas\": \"fake blas\"}', flush=True)",
                "n = 0",
                "for line in sys.stdin:",
                "    n += 1",
                "    print('{\"seconds\": %d.25}' % n, flush=True)", ""));
        try (PytorchStep py = new PytorchStep(script, ModelConfig.llama(10, 4, 1, 2, 1, 6, 8), 1, 8, 1)) {
            assertEquals("fake blas", py.ready.path("blas").asText());
            assertEquals(1.25, py.step());
            assertEquals(2.25, py.step());
        }
    }

    @Test void aBaselineThatDiesNamesTheScriptAndShowsItsOutput(@TempDir Path dir) throws Exception {
        Path script = dir.resolve("dies.py");
        Files.writeString(script, "print('ModuleNotFoundError: no torch here')\nraise SystemExit(1)\n");
        UserError e = assertThrows(UserError.class, () -> new PytorchStep(script, ModelConfig.llama(10, 4, 1, 2, 1, 6, 8), 1, 8, 1));
        assertTrue(e.getMessage().contains("bench/dpo_step.py failed: it exited before printing \"ready\""), e.getMessage());
        assertTrue(e.getMessage().contains("ModuleNotFoundError: no torch here"), e.getMessage());
    }
}
