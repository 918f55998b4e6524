package org.jpo.train;

import org.jpo.data.Collate;
import org.jpo.data.Examples;
import org.jpo.data.SftExample;
import org.bytedeco.pytorch.Tensor;
import org.jpo.model.Checkpoints;
import org.jpo.model.LogProbs;
import org.jpo.model.TokenLogps;
import org.jpo.model.Transformer;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.jpo.tensor.Tensors.*;

/** Supervised fine-tuning on completions only: mean token cross-entropy over the micro-batch's completion tokens (as TRL's SFTTrainer). */
final class SftObjective implements Objective<SftExample> {
    private final Transformer policy;

    SftObjective(Transformer policy) {
        this.policy = policy;
        policy.trainable(true);
    }

    @Override public Step compute(List<SftExample> batch) {
        TokenLogps lp = LogProbs.of(policy, Collate.rows(batch, SftExample::prompt, SftExample::completion, 0));
        Tensor tokens = lp.mask().sum();                                                     // scalar
        Tensor loss = lp.logps().sum().neg().div(tokens.clamp_min(s(1)));                    // scalar
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", item(loss));
        m.put("num_completion_tokens", item(tokens));
        return new Step(loss, m, batch.stream().mapToLong(Examples::tokens).sum(), item(tokens));
    }

    @Override public Map<String, Tensor> parameters() { return policy.trainableParameters(); }

    @Override public void save(Path dir, List<Path> tokenizerFiles) { Checkpoints.save(policy, dir, tokenizerFiles); }

    @Override public void close() { policy.close(); }
}
