package org.jpo.train;

import org.jpo.data.Collate;
import org.jpo.data.Examples;
import org.jpo.data.PairExample;
import org.bytedeco.pytorch.Tensor;
import org.jpo.loss.BradleyTerry;
import org.jpo.loss.LossResult;
import org.jpo.model.RewardModel;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.jpo.tensor.Tensors.vector;

/**
 * Reward-model training (TRL's RewardTrainer): a scalar head on the last token, Bradley–Terry on preference
 * pairs with the optional per-pair {@code margin} and TRL's {@code center_rewards_coefficient}.
 */
final class RewardObjective implements Objective<PairExample> {
    private final RewardModel model;
    private final BradleyTerry loss;

    RewardObjective(RewardModel model, BradleyTerry loss) {
        this.model = model;
        this.loss = loss;
        model.trainable(true);
    }

    @Override public Step compute(List<PairExample> batch) {
        int b = batch.size();
        Tensor r = model.rewards(Collate.pairs(batch, 0));                                     // [2B]
        Optional<Tensor> margin = batch.stream().anyMatch(e -> e.margin().isPresent())
                ? Optional.of(vector(batch.stream().mapToDouble(e -> e.margin().orElse(0)).toArray()))
                : Optional.empty();
        LossResult result = loss.apply(r.narrow(0, 0, b), r.narrow(0, b, b), margin);
        return new Step(result.mean(), BradleyTerry.metrics(result), batch.stream().mapToLong(Examples::tokens).sum(), b);
    }

    @Override public Map<String, Tensor> parameters() { return model.parameters(); }

    @Override public void save(Path dir, List<Path> tokenizerFiles) { model.save(dir, tokenizerFiles); }

    @Override public void close() { model.close(); }
}
