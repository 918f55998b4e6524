package org.jpo.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.jpo.ChildEnv;
import org.jpo.UserError;
import org.jpo.tokenizer.Llama2cTokenizer;

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
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * What {@code jpo bench generate} compares against: a random llama2.c file both sides read, the PyTorch script, and
 * karpathy/llama2.c's {@code run.c} built by the user.
 */
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

    /** run.c's tokens/s on one model: one process alone, and the sum over P processes running at once. */
    record Llama2c(double single, double processes) {}

    /**
     * Times {@code run} (a compiled karpathy/llama2.c run.c) sampling {@code steps} positions from BOS at temperature 1,
     * top-p off, as jpo's rows do: alone, then {@code processes} copies at once.
     */
    static Llama2c llama2c(Path run, Path model, Path tokenizer, int steps, int runs, int processes)
            throws IOException, InterruptedException {
        return new Llama2c(runC(run, model, tokenizer, steps, runs, 1), runC(run, model, tokenizer, steps, runs, processes));
    }

    /**
     * The sum over {@code processes} concurrent run.c processes of each one's median tok/s over seeds 1..{@code runs}.
     * A median because run.c stops at a sampled BOS and times with a millisecond clock, so one short run says little.
     */
    static double runC(Path run, Path model, Path tokenizer, int steps, int runs, int processes)
            throws IOException, InterruptedException {
        double[][] tps = new double[processes][runs];
        for (int r = 0; r < runs; r++) {   // each seed starts all processes together, so they overlap throughout
            List<Process> ps = new ArrayList<>();
            try {
                for (int i = 0; i < processes; i++) {
                    ProcessBuilder pb = new ProcessBuilder(run.toString(), model.toString(), "-z", tokenizer.toString(), "-t", "1.0",
                            "-p", "1.0", "-n", "" + steps, "-s", "" + (r + 1), "-i", "").redirectOutput(ProcessBuilder.Redirect.DISCARD);
                    ChildEnv.strip(pb.environment());
                    ps.add(pb.start());
                }
                for (int i = 0; i < processes; i++) tps[i][r] = achieved(run, ps.get(i));
            } finally {
                ps.forEach(Process::destroy);   // the others, when one failed
            }
        }
        return Arrays.stream(tps).mapToDouble(BenchBaselines::median).sum();
    }

    /** The tok/s run.c prints on stderr ({@code achieved tok/s: X}); a failed run or one without it is a UserError. */
    private static double achieved(Path run, Process p) throws IOException, InterruptedException {
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = p.waitFor();
        for (String line : err.split("\n")) {
            if (exit == 0 && line.startsWith("achieved tok/s: ")) {
                String x = line.substring("achieved tok/s: ".length()).trim();
                return x.equals("inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(x);   // inf: done within 1 ms
            }
        }
        throw new UserError(run + " (expected a karpathy/llama2.c run binary) " + (exit != 0 ? "failed with exit " + exit
                : "printed no 'achieved tok/s' line") + "; its stderr: " + (err.isBlank() ? "(empty)" : err.strip()));
    }

    static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        int m = s.length / 2;
        return s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
    }

    /**
     * A tokenizer file run.c can read for a model of {@code vocab} tokens: {@code candidate} when it holds exactly that
     * many, else a synthetic one written into {@code dir} (run.c only decodes what it samples, so any pieces do).
     */
    static Path llama2cTokenizer(Optional<Path> candidate, int vocab, Path dir) throws IOException {
        if (candidate.isPresent() && Files.isRegularFile(candidate.get())) {
            try {
                if (Llama2cTokenizer.load(candidate.get()).vocabSize() == vocab) return candidate.get();
            } catch (UserError e) {
                // not a llama2.c tokenizer (e.g. a tokenizer.json): fall through to the synthetic one
            }
        }
        return syntheticTokenizer(dir.resolve("tok" + vocab + "-synthetic.bin"), vocab);
    }

    /**
     * Writes a llama2.c tokenizer of {@code vocab} pieces: {@code <unk>}, {@code <s>}, {@code </s>}, the byte tokens
     * {@code <0x00>..<0xFF>}, then {@code t259}, {@code t260}, ... Format (little-endian): int32 max_token_length, then
     * per token float32 score, int32 byte length, the bytes.
     */
    static Path syntheticTokenizer(Path file, int vocab) throws IOException {
        List<byte[]> pieces = new ArrayList<>();
        for (int id = 0; id < vocab; id++) {
            String piece = id < 3 ? List.of("<unk>", "<s>", "</s>").get(id) : id < 259 ? String.format("<0x%02X>", id - 3) : "t" + id;
            pieces.add(piece.getBytes(StandardCharsets.US_ASCII));
        }
        int bytes = 4, max = 1;
        for (byte[] p : pieces) {
            bytes += 8 + p.length;
            max = Math.max(max, p.length);
        }
        ByteBuffer b = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(max);
        for (byte[] p : pieces) b.putFloat(0f).putInt(p.length).put(p);
        return Files.write(file, b.array());
    }
}
