package org.jpo.train;

import org.jpo.data.Example;
import org.jpo.data.Examples;
import org.jpo.data.UnpairedExample;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.jpo.loss.LossResult;
import org.jpo.loss.Logps;
import org.jpo.loss.Metrics;
import org.jpo.loss.UnpairedBatch;
import org.jpo.loss.UnpairedLoss;
import org.jpo.model.Checkpoints;
import org.jpo.model.LogProbs;
import org.jpo.model.SequenceBatch;
import org.jpo.model.TokenLogps;
import org.jpo.model.Transformer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import static org.jpo.tensor.Tensors.*;

/**
 * KTO (and unpaired APO) on single completions labelled desirable or not. The batch KL estimate uses each
 * example's prompt with the previous example's completion (dataset order), as TRL's KL dataset does, so its
 * reference log-probs can be cached; the policy's KL log-probs need no gradient (the estimate is detached).
 */
final class KtoObjective implements Objective<UnpairedExample> {
    private final Transformer policy;
    private final UnpairedLoss loss;
    private final Map<Example, double[]> reference;
    private final Map<UnpairedExample, int[]> partners = new IdentityHashMap<>();
    private DataParallel dp = DataParallel.SINGLE;

    /** @param datasets every dataset the objective will see (train, eval), to fix each example's KL partner */
    KtoObjective(Transformer policy, UnpairedLoss loss, Map<Example, double[]> reference, List<List<UnpairedExample>> datasets) {
        this.policy = policy;
        this.loss = loss;
        this.reference = reference;
        for (List<UnpairedExample> d : datasets) {
            List<int[]> p = klCompletions(d, 0, d.size());
            for (int i = 0; i < d.size(); i++) partners.put(d.get(i), p.get(i));
        }
        policy.trainable(true);
    }

    /** The KL partner completions of examples [from, to): example i is paired with completion i − 1 (cyclic). */
    static List<int[]> klCompletions(List<UnpairedExample> examples, int from, int to) {
        List<int[]> out = new ArrayList<>();
        int n = examples.size();
        for (int i = from; i < to; i++) out.add(examples.get((i - 1 + n) % n).completion());
        return out;
    }

    @Override public void parallel(DataParallel dp) { this.dp = dp; }

    /** Training on several ranks: the KL estimate is the mean over every rank's share of the global micro-batch. */
    @Override public Step train(List<UnpairedExample> batch) { return step(batch, dp.world() > 1); }

    @Override public Step compute(List<UnpairedExample> batch) { return step(batch, false); }

    @Override public void idle() { dp.sum(new double[] {0, 0}, "kto's KL estimate"); }

    private Step step(List<UnpairedExample> batch, boolean globalKl) {
        int b = batch.size();
        List<int[]> prompts = batch.stream().map(UnpairedExample::prompt).toList();
        TokenLogps own = LogProbs.of(policy, SequenceBatch.of(prompts, batch.stream().map(UnpairedExample::completion).toList(), 0));
        TokenLogps kl;
        try (NoGradGuard g = new NoGradGuard()) {
            kl = LogProbs.of(policy, SequenceBatch.of(prompts, batch.stream().map(partners::get).toList(), 0));
        }
        float[] refOwn = new float[b], refKl = new float[b];
        long[] desirable = new long[b];
        for (int i = 0; i < b; i++) {
            double[] v = reference.get(batch.get(i));
            refOwn[i] = (float) v[0];
            refKl[i] = (float) v[1];
            desirable[i] = batch.get(i).desirable() ? 1 : 0;
        }
        Logps policyLogps = new Logps(own.sum(), own.length());
        Logps klPolicy = new Logps(kl.sum(), kl.length()), klReference = new Logps(floats(refKl, b), kl.length());
        if (globalKl) {
            // the estimate is a detached mean: the global one, as a single mismatched completion of that value
            double[] t = dp.sum(new double[] {item(klPolicy.sum().sub(klReference.sum()).sum()), b}, "kto's KL estimate");
            klPolicy = new Logps(vector(t[0] / t[1]), longs(new long[] {1}, 1));
            klReference = new Logps(vector(0.0), longs(new long[] {1}, 1));
        }
        UnpairedBatch ub = new UnpairedBatch(policyLogps, new Logps(floats(refOwn, b), own.length()),
                longs(desirable, b).to(torch.ScalarType.Bool), klPolicy, klReference);
        LossResult r = loss.apply(ub);
        return new Step(r.mean(), Metrics.of(r, ub), batch.stream().mapToLong(Examples::tokens).sum(), b);
    }

    @Override public Map<String, Tensor> parameters() { return policy.trainableParameters(); }

    @Override public void save(Path dir, List<Path> tokenizerFiles) { Checkpoints.save(policy, dir, tokenizerFiles); }

    @Override public void close() { policy.close(); }
}
