package org.jpo.train;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.jpo.data.Collate;
import org.jpo.data.Example;
import org.jpo.data.Examples;
import org.jpo.data.ListExample;
import org.jpo.loss.ListBatch;
import org.jpo.loss.ListLoss;
import org.jpo.loss.Metrics;
import org.jpo.model.Checkpoints;
import org.jpo.model.LogProbs;
import org.jpo.model.TokenLogps;
import org.jpo.model.Transformer;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.jpo.tensor.Tensors.*;

/**
 * The listwise losses (pro, lipo, mpo) on ranked lists: each list's K completions' summed log-probs in one forward (the
 * prompt computed once per list with prefix sharing, or once per completion), padded to the batch's longest list, and
 * the reference's from the cache when the loss reads one. A micro-batch's loss is a mean over its lists, so its
 * data-parallel weight is its list count.
 */
final class ListObjective implements Objective<ListExample> {
    private final Transformer policy;
    private final ListLoss loss;
    private final Optional<Map<Example, double[]>> reference;
    private final boolean prefixSharing;
    private final int chunk;

    /**
     * @param reference     cached reference log-probs, per list one per completion; present exactly when the loss reads them
     * @param prefixSharing one packed row per list ({@link org.jpo.model.PackedLists}) instead of one row per completion
     * @param chunk         LM-head positions per chunk ({@link LogProbs#forward}); 0 = all at once
     */
    ListObjective(Transformer policy, ListLoss loss, Optional<Map<Example, double[]>> reference, boolean prefixSharing, int chunk) {
        if (reference.isPresent() != loss.readsReference()) {
            throw new IllegalArgumentException(loss.name() + (loss.readsReference() ? " needs" : " reads no") + " reference log-probs");
        }
        this.policy = policy;
        this.loss = loss;
        this.reference = reference;
        this.prefixSharing = prefixSharing;
        this.chunk = chunk;
        policy.trainable(true);
    }

    /**
     * Summed log-probs and lengths of every list's completions, each [B,K] (K the batch's longest list), with the mask of
     * the real ones [B,K]; padding holds log-prob 0 and length 1.
     */
    record Logps(Tensor sums, Tensor lengths, Tensor mask, Optional<LogProbs.TwoPass> twoPass) {}

    /** The batch's completion log-probs under {@code model}: with gradient when the caller's grad mode has it. */
    static Logps logps(Transformer model, List<ListExample> batch, boolean prefixSharing, int chunk) {
        int b = batch.size(), k = batch.stream().mapToInt(ListExample::size).max().orElseThrow();
        int n = batch.stream().mapToInt(ListExample::size).sum();
        float[] m = new float[b * k];
        long[] slot = new long[n];
        for (int i = 0, at = 0; i < b; i++) {
            for (int j = 0; j < batch.get(i).size(); j++) {
                m[i * k + j] = 1;
                slot[at++] = (long) i * k + j;
            }
        }
        Tensor mask = floats(m, b, k);                                                            // [B,K]
        LogProbs.Forward f;
        Tensor sums, lengths;
        if (prefixSharing) {
            f = LogProbs.forward(model, Collate.packedLists(batch, 0), chunk, false);
            TokenLogps lp = f.logps();                                                            // [K·B,L], row j·B + i
            sums = lp.sum().view(k, b).t();                                                       // [B,K]
            lengths = lp.length().view(k, b).t();                                                 // [B,K]
        } else {
            f = LogProbs.forward(model, Collate.lists(batch, 0), chunk, false);
            TokenLogps lp = f.logps();                                                            // [N,T-1], list by list
            Tensor at = longs(slot, n);                                                           // [N]
            sums = torch.zeros(b * k).index_copy(0, at, lp.sum()).view(b, k);                     // [B,K]
            lengths = torch.zeros(b * k).index_copy(0, at, lp.length()).view(b, k);               // [B,K]
        }
        return new Logps(sums, lengths.masked_fill(mask.eq(s(0)), s(1)), mask, f.twoPass());
    }

    @Override public Step compute(List<ListExample> batch) {
        int b = batch.size();
        Logps lp = logps(policy, batch, prefixSharing, chunk);
        long k = lp.mask().size(1);
        ListBatch lb = new ListBatch(lp.sums(), reference.map(r -> table(batch, k, e -> r.get(e))), lp.lengths(),
                table(batch, k, ListExample::scores), lp.mask());
        ListBatch.Result r = loss.apply(lb);
        return new Step(r.mean(), Metrics.of(r, lb), batch.stream().mapToLong(Examples::tokens).sum(), b, lp.twoPass());
    }

    /** Per list, its values of {@code row} (one per completion) as a [B,K] table, 0 past the list's end. */
    static Tensor table(List<ListExample> batch, long k, java.util.function.Function<ListExample, double[]> row) {
        float[] t = new float[(int) (batch.size() * k)];
        for (int i = 0; i < batch.size(); i++) {
            double[] v = row.apply(batch.get(i));
            for (int j = 0; j < batch.get(i).size(); j++) t[(int) (i * k) + j] = (float) v[j];
        }
        return floats(t, batch.size(), k);                                                        // [B,K]
    }

    @Override public Map<String, Tensor> parameters() { return policy.trainableParameters(); }

    @Override public void save(Path dir, List<Path> tokenizerFiles) { Checkpoints.save(policy, dir, tokenizerFiles); }

    @Override public void close() { policy.close(); }
}
