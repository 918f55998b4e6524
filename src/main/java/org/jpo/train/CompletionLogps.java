package org.jpo.train;

import org.jpo.Progress;
import org.jpo.UserError;
import org.jpo.data.Collate;
import org.jpo.data.GroupExample;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.jpo.model.LogProbs;
import org.jpo.model.TokenLogps;
import org.jpo.model.Transformer;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;

import static org.jpo.tensor.Tensors.toDoubles;

/**
 * Per-token log-probs of every example's completion under one model, without gradient: the sampling policy's (the
 * policy as the round's training starts, before its first step: the π_old of the group losses' ratio) and, when β &gt; 0,
 * the reference's. A ragged table: row i holds example i's completion tokens in order. The sampling policy's table is
 * saved in the round's train directory before the first step, so a resumed round reads it back rather than recompute
 * it from weights that have moved since.
 */
final class CompletionLogps {
    private CompletionLogps() {}

    /** The file of the sampling policy's log-probs in a round's train directory. */
    static final String OLD = "old_logps.bin";

    /**
     * Every example's completion log-probs under {@code model}; several ranks each compute every W-th batch and the table
     * is summed over them (each entry is nonzero on one rank).
     */
    static double[][] compute(String what, Transformer model, List<GroupExample> examples, int batchSize, DataParallel dp) {
        int n = examples.size();
        int[] offset = new int[n + 1];
        for (int i = 0; i < n; i++) offset[i + 1] = offset[i] + examples.get(i).completion().length;
        double[] flat = new double[offset[n]];
        try (Progress progress = Progress.start(what, "examples", n, 0)) {
            for (int i = dp.rank() * batchSize; i < n; i += batchSize * dp.world()) {
                int end = Math.min(n, i + batchSize);
                List<GroupExample> batch = examples.subList(i, end);
                try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                    // one pass through the head, as the training step's forward makes it
                    TokenLogps lp = LogProbs.forward(model, Collate.rows(batch, GroupExample::prompt, GroupExample::completion, 0), 0, false).logps();
                    Tensor selected = lp.logps().masked_select(lp.mask().to(torch.ScalarType.Bool));   // [Σ|y|]
                    double[] v = toDoubles(selected);
                    if (v.length != offset[end] - offset[i]) {
                        throw new IllegalStateException(what + ": " + v.length + " completion tokens, expected " + (offset[end] - offset[i]));
                    }
                    System.arraycopy(v, 0, flat, offset[i], v.length);
                }
                progress.update(end, "");
            }
        }
        double[] all = dp.world() == 1 ? flat : dp.sum(flat, "gathering " + what);
        double[][] out = new double[n][];
        for (int i = 0; i < n; i++) out[i] = Arrays.copyOfRange(all, offset[i], offset[i + 1]);
        return out;
    }

    static void write(Path file, double[][] table) {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp-" + ProcessHandle.current().pid());
            try (var out = new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(tmp)))) {
                out.writeInt(table.length);
                for (double[] row : table) {
                    out.writeInt(row.length);
                    for (double x : row) out.writeDouble(x);
                }
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** The table saved for {@code examples}; refused when it does not fit them (another round's rows). */
    static double[][] read(Path file, List<GroupExample> examples) {
        if (!Files.isRegularFile(file)) {
            throw new UserError(file + " is missing: a resumed group round needs the sampling policy's log-probs its first step saved; "
                    + "delete the round's train directory to train the round again");
        }
        try (var in = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(file)))) {
            int n = in.readInt();
            if (n != examples.size()) throw new UserError(file + " holds " + n + " rows, the round trains on " + examples.size());
            double[][] out = new double[n][];
            for (int i = 0; i < n; i++) {
                int len = in.readInt();
                if (len != examples.get(i).completion().length) {
                    throw new UserError(file + ": row " + i + " has " + len + " tokens, its completion " + examples.get(i).completion().length);
                }
                out[i] = new double[len];
                for (int j = 0; j < len; j++) out[i][j] = in.readDouble();
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
