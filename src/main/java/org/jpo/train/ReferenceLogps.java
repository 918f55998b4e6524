package org.jpo.train;

import org.jpo.Progress;
import org.jpo.data.Collate;
import org.jpo.data.Example;
import org.jpo.data.Examples;
import org.jpo.data.ListExample;
import org.jpo.data.PairExample;
import org.jpo.data.UnpairedExample;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.jpo.loss.PairLogps;
import org.jpo.model.LogProbs;
import org.jpo.model.TokenLogps;
import org.jpo.model.Transformer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import static org.jpo.tensor.Tensors.toDoubles;

/**
 * Reference log-probs of every example, computed once per (reference weights, tokenized data, settings) and
 * cached on disk in the cache directory the caller passes, so a rerun, a resume or a second epoch never
 * recomputes them. The key hashes the model checksum, every token id of every example and the settings that
 * change the numbers (LD-DPO's α), so a change to any of them is a miss.
 *
 * <p>Per pair: {r⁺, r⁻}. Per unpaired example i: {r(y_i | x_i), r(y_{i−1} | x_i)}, the second being its
 * mismatched KL pair (KTO's batch KL estimate; fixed by dataset order so it can be cached). Per ranked list:
 * {r(y_1 | x), …, r(y_K | x)}, padded with zeros to the longest list's K.
 */
final class ReferenceLogps {
    private static final Logger log = LoggerFactory.getLogger(ReferenceLogps.class);

    private ReferenceLogps() {}

    /** The cache files live in {@code cacheDir/reference-logps/}. */
    static final String SUBDIR = "reference-logps";

    /** What happened, for the log and for tests. */
    record Outcome(Map<Example, double[]> values, boolean hit) {}

    /**
     * Per pair {r⁺, r⁻}, with LD-DPO's α, prefix sharing and the chunk size of {@code mods}; the last two leave
     * the numbers unchanged (to rounding), so they are not part of the key.
     */
    static Outcome pairs(Path cacheDir, Transformer ref, String refChecksum, List<PairExample> examples, int batchSize,
                         DpoObjective.Modifiers mods, DataParallel dp) {
        double ldAlpha = mods.ldAlpha();
        String key = key(refChecksum, "pairs ld_alpha=" + ldAlpha, examples);
        return cached(cacheDir, key, examples, 2, dp, progress -> {
            double[][] out = new double[examples.size()][];
            for (int i = dp.rank() * batchSize; i < examples.size(); i += batchSize * dp.world()) {
                List<PairExample> batch = examples.subList(i, Math.min(examples.size(), i + batchSize));
                try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                    var rows = DpoObjective.rows(batch, mods.prefixSharing());
                    PairLogps lp = DpoObjective.sides(LogProbs.forward(ref, rows, mods.chunk(), false).logps(), batch.size(), ldAlpha);
                    double[] c = toDoubles(lp.chosen().sum()), r = toDoubles(lp.rejected().sum());
                    for (int j = 0; j < batch.size(); j++) out[i + j] = new double[] {c[j], r[j]};
                }
                progress.update(i + batch.size(), "");
            }
            return out;
        });
    }

    /** Per list {r(y_1|x), …, r(y_K|x)} (then zeros to the longest list), with the forward the objective uses (prefix sharing, chunk size). */
    static Outcome lists(Path cacheDir, Transformer ref, String refChecksum, List<ListExample> examples, int batchSize, boolean prefixSharing,
                         int chunk, DataParallel dp) {
        int width = examples.stream().mapToInt(ListExample::size).max().orElse(0);
        String key = key(refChecksum, "lists", examples);
        return cached(cacheDir, key, examples, width, dp, progress -> {
            double[][] out = new double[examples.size()][];
            for (int i = dp.rank() * batchSize; i < examples.size(); i += batchSize * dp.world()) {
                List<ListExample> batch = examples.subList(i, Math.min(examples.size(), i + batchSize));
                try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                    ListObjective.Logps lp = ListObjective.logps(ref, batch, prefixSharing, chunk);
                    double[] v = toDoubles(lp.sums());                                           // [B,K] row-major
                    long k = lp.mask().size(1);
                    for (int j = 0; j < batch.size(); j++) {
                        out[i + j] = new double[width];
                        System.arraycopy(v, (int) (j * k), out[i + j], 0, batch.get(j).size());
                    }
                }
                progress.update(i + batch.size(), "");
            }
            return out;
        });
    }

    static Outcome unpaired(Path cacheDir, Transformer ref, String refChecksum, List<UnpairedExample> examples, int batchSize,
                            DataParallel dp) {
        String key = key(refChecksum, "unpaired", examples);
        return cached(cacheDir, key, examples, 2, dp, progress -> {
            double[][] out = new double[examples.size()][];
            for (int i = dp.rank() * batchSize; i < examples.size(); i += batchSize * dp.world()) {
                int end = Math.min(examples.size(), i + batchSize);
                List<UnpairedExample> batch = examples.subList(i, end);
                List<int[]> partners = KtoObjective.klCompletions(examples, i, end);
                try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                    TokenLogps own = LogProbs.of(ref, Collate.rows(batch, UnpairedExample::prompt, UnpairedExample::completion, 0));
                    TokenLogps kl = LogProbs.of(ref, org.jpo.model.SequenceBatch.of(batch.stream().map(UnpairedExample::prompt).toList(), partners, 0));
                    double[] a = toDoubles(own.sum()), b = toDoubles(kl.sum());
                    for (int j = 0; j < batch.size(); j++) out[i + j] = new double[] {a[j], b[j]};
                }
                progress.update(end, "");
            }
            return out;
        });
    }

    private interface Compute { double[][] run(Progress progress); }

    /**
     * Several ranks: a hit only when every rank reads the file; else each computes every W-th batch, the rows are summed
     * over the ranks (each row is nonzero on one), and rank 0 writes the file.
     */
    private static Outcome cached(Path cacheDir, String key, List<? extends Example> examples, int width, DataParallel dp, Compute compute) {
        Path file = cacheDir.resolve(SUBDIR).resolve(key + ".bin");
        double[][] values = read(file, examples.size(), width);
        boolean hit = dp.sum(new double[] {values == null ? 1 : 0}, "reading the reference log-prob cache")[0] == 0;
        if (hit) {
            log.info("reference log-probs: cache hit, {} examples from {}", examples.size(), file);
        } else {
            long t0 = System.nanoTime();
            try (Progress progress = Progress.start("reference log-probs", "examples", examples.size(), 0)) {
                values = gather(compute.run(progress), width, dp);
            }
            if (dp.leader()) write(file, values);
            log.debug("reference log-probs: computed {} examples in {} ms, cached at {}", examples.size(),
                    (System.nanoTime() - t0) / 1_000_000, file);
        }
        Map<Example, double[]> byExample = new IdentityHashMap<>();
        for (int i = 0; i < examples.size(); i++) byExample.put(examples.get(i), values[i]);
        return new Outcome(byExample, hit);
    }

    /** Every rank's rows in one table: the rows this rank did not compute (null) are zero, and the ranks' tables are summed. */
    private static double[][] gather(double[][] mine, int width, DataParallel dp) {
        if (dp.world() == 1) return mine;
        double[] flat = new double[mine.length * width];
        for (int i = 0; i < mine.length; i++) if (mine[i] != null) System.arraycopy(mine[i], 0, flat, i * width, width);
        double[] all = dp.sum(flat, "gathering reference log-probs");
        double[][] out = new double[mine.length][];
        for (int i = 0; i < mine.length; i++) out[i] = java.util.Arrays.copyOfRange(all, i * width, (i + 1) * width);
        return out;
    }

    /** SHA-256 of the reference checksum, the settings and every token id of every example, in order. */
    static String key(String refChecksum, String settings, List<? extends Example> examples) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((refChecksum + "|" + settings + "|" + examples.size()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            for (Example e : examples) {
                for (int[] ids : Examples.tokenArrays(e)) {
                    ByteBuffer b = ByteBuffer.allocate(4 * ids.length + 4).putInt(ids.length);
                    for (int id : ids) b.putInt(id);
                    sha.update(b.array());
                }
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static double[][] read(Path file, int rows, int width) {
        if (!Files.isRegularFile(file)) return null;
        try (var in = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(file)))) {
            if (in.readInt() != rows || in.readInt() != width) return null;
            double[][] v = new double[rows][width];
            for (double[] row : v) for (int j = 0; j < width; j++) row[j] = in.readDouble();
            return v;
        } catch (IOException e) {
            log.warn("reference log-prob cache {} unreadable, recomputing", file, e);
            return null;
        }
    }

    private static void write(Path file, double[][] values) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp-" + ProcessHandle.current().pid());
            try (var out = new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(tmp)))) {
                out.writeInt(values.length);
                out.writeInt(values.length == 0 ? 0 : values[0].length);
                for (double[] row : values) for (double x : row) out.writeDouble(x);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the reference log-prob cache " + file, e);
        }
    }
}
