package org.jpo.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.jpo.ChildEnv;
import org.jpo.UserError;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** What {@code jpo bench generate} compares against: a random llama2.c file both sides read, and the PyTorch script. */
final class BenchBaselines {
    private BenchBaselines() {}

    static final String PYTHON = "/usr/bin/python3";   // Debian's, with python3-torch; pyenv's python3 has no torch

    /**
     * Writes a random Llama of the given shape as a llama2.c .bin (shared classifier): N(0, 0.02) matrices, unit
     * norms. jpo and the PyTorch script then run the same weights.
     */
    static Path randomLlama2c(Path file, int dim, int hidden, int layers, int heads, int kvHeads, int vocab, int seq, long seed)
            throws IOException {
        int hd = dim / heads, kv = kvHeads * hd;
        SplittableRandom rng = new SplittableRandom(seed);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer header = ByteBuffer.allocate(28).order(ByteOrder.LITTLE_ENDIAN);
            for (int v : new int[] {dim, hidden, layers, heads, kvHeads, vocab, seq}) header.putInt(v);
            ch.write(header.flip());
            long[][] stretches = {   // {floats, 1 = norm weights}
                {(long) vocab * dim, 0}, {(long) layers * dim, 1}, {(long) layers * dim * dim, 0}, {(long) layers * kv * dim, 0},
                {(long) layers * kv * dim, 0}, {(long) layers * dim * dim, 0}, {(long) layers * dim, 1},
                {(long) layers * hidden * dim, 0}, {(long) layers * dim * hidden, 0}, {(long) layers * hidden * dim, 0},
                {dim, 1}, {(long) seq * hd, 1}};   // the last: both rotary tables, which readers skip
            for (long[] s : stretches) {
                ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(s[0] * 4)).order(ByteOrder.LITTLE_ENDIAN);
                for (long i = 0; i < s[0]; i++) b.putFloat(s[1] == 1 ? 1f : (float) (0.02 * rng.nextGaussian()));
                ch.write(b.flip());
            }
        }
        return file;
    }

    /** Makes sure Debian's torch is importable, installing it with apt when it is not (as issue 10 asks). */
    static void ensureTorch() throws IOException, InterruptedException {
        if (exec(List.of(PYTHON, "-c", "import torch")) == 0) return;
        System.out.println("installing python3-torch and libopenblas0-pthread with apt-get (the PyTorch baseline needs them)");
        if (exec(List.of("apt-get", "install", "-y", "python3-torch", "libopenblas0-pthread")) != 0
                || exec(List.of(PYTHON, "-c", "import torch")) != 0) {
            throw new UserError("the PyTorch baseline needs " + PYTHON + " with torch: apt-get install -y python3-torch "
                    + "libopenblas0-pthread failed (or pass --no-pytorch)");
        }
    }

    private static int exec(List<String> cmd) throws IOException, InterruptedException {
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
    }

    /** Tokens/s of generate.py on {@code model}: {@code rows} rows from BOS in static batches of {@code batch}. */
    static double pytorch(Path model, int batch, int rows, int newTokens, int threads) throws IOException, InterruptedException {
        Path script = Files.createTempFile("jpo-generate", ".py");
        try {
            try (InputStream in = BenchBaselines.class.getResourceAsStream("/bench/generate.py")) {
                if (in == null) throw new IllegalStateException("resource /bench/generate.py missing from the jar");
                Files.copy(in, script, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            List<String> cmd = new ArrayList<>(List.of(PYTHON, script.toString(), "--model", model.toString(),
                    "--batch-size", "" + batch, "--rows", "" + rows, "--max-new-tokens", "" + newTokens, "--threads", "" + threads));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
            ChildEnv.strip(pb.environment());
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor() != 0) throw new UserError("generate.py failed (exit " + p.exitValue() + "): " + out);
            JsonNode line = new ObjectMapper().readTree(out.substring(out.lastIndexOf('\n') + 1));
            return line.get("tokens_per_s").asDouble();
        } finally {
            Files.deleteIfExists(script);
        }
    }
}
