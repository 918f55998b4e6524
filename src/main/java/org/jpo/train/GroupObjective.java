package org.jpo.train;

import org.jpo.data.Collate;
import org.jpo.data.Example;
import org.jpo.data.Examples;
import org.jpo.data.GroupExample;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.jpo.loss.GroupBatch;
import org.jpo.loss.GroupLoss;
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
 * The group methods (grpo, dr_grpo, rloo) on a round's sampled completions: the policy's per-token log-probs against the
 * sampling policy's ({@code old}) and, when β &gt; 0, the reference's, both computed once without gradient before the
 * first step ({@link CompletionLogps}). Each micro-batch's loss is a mean over its samples, so its data-parallel weight
 * is its sample count.
 */
final class GroupObjective implements Objective<GroupExample> {
    private final Transformer policy;
    private final GroupLoss loss;
    private final Map<Example, double[]> old;
    private final Optional<Map<Example, double[]>> reference;
    private final int maxCompletionLength;

    /** @param maxCompletionLength L_max of dr_grpo: the loop's sampling.max_new_tokens */
    GroupObjective(Transformer policy, GroupLoss loss, Map<Example, double[]> old, Optional<Map<Example, double[]>> reference,
                   int maxCompletionLength) {
        if (reference.isPresent() != loss.readsReference()) {
            throw new IllegalArgumentException(loss.name() + " with beta " + loss.beta() + (loss.readsReference() ? " needs" : " reads no") + " reference log-probs");
        }
        this.policy = policy;
        this.loss = loss;
        this.old = old;
        this.reference = reference;
        this.maxCompletionLength = maxCompletionLength;
        policy.trainable(true);
    }

    @Override public Step compute(List<GroupExample> batch) {
        int b = batch.size();
        TokenLogps lp = LogProbs.of(policy, Collate.rows(batch, GroupExample::prompt, GroupExample::completion, 0));
        Tensor mask = lp.mask();                                                                  // [B,T]
        float[] adv = new float[b];
        for (int i = 0; i < b; i++) adv[i] = (float) batch.get(i).advantage();
        GroupBatch gb = new GroupBatch(lp.logps(), placed(mask, batch, old), reference.map(r -> placed(mask, batch, r)), mask,
                floats(adv, b), maxCompletionLength);
        GroupLoss.Result r = loss.apply(gb);
        Map<String, Double> m = loss.metrics(r, gb);
        m.put("reward", batch.stream().mapToDouble(GroupExample::score).average().orElseThrow());
        m.put("reward_std", batch.stream().mapToDouble(GroupExample::groupStd).average().orElseThrow());
        m.put("frac_reward_zero_std", batch.stream().filter(e -> e.groupStd() == 0).count() / (double) b);
        m.put("completion_length", batch.stream().mapToInt(e -> e.completion().length).average().orElseThrow());
        return new Step(r.mean(), m, batch.stream().mapToLong(Examples::tokens).sum(), b);
    }

    /** A table's per-token values laid out as {@code mask} lays out the batch's completion tokens [B,T]. */
    private static Tensor placed(Tensor mask, List<GroupExample> batch, Map<Example, double[]> table) {
        int n = 0;
        for (GroupExample e : batch) n += table.get(e).length;
        float[] flat = new float[n];
        int k = 0;
        for (GroupExample e : batch) for (double v : table.get(e)) flat[k++] = (float) v;
        return torch.zeros_like(mask).masked_scatter(mask.to(torch.ScalarType.Bool), floats(flat, n));    // [B,T]
    }

    @Override public Map<String, Tensor> parameters() { return policy.trainableParameters(); }

    @Override public void save(Path dir, List<Path> tokenizerFiles) { Checkpoints.save(policy, dir, tokenizerFiles); }

    @Override public void close() { policy.close(); }
}
