package org.jpo.train;

import org.bytedeco.pytorch.Tensor;
import org.jpo.data.PairExample;
import org.jpo.loss.PairwisePreference;
import org.jpo.model.PreferenceModel;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.jpo.tensor.Tensors.vector;

/**
 * Preference-model training: each pair's logit d = g(x, y⁺, y⁻) − g(x, y⁻, y⁺) (both orders in one forward) and the
 * cross-entropy against its label, 1 or the row's {@code preference} ({@link PairwisePreference}).
 */
final class PreferenceObjective implements Objective<PairExample> {
    private final PreferenceModel model;

    PreferenceObjective(PreferenceModel model) {
        this.model = model;
        model.trainable(true);
    }

    @Override public Step compute(List<PairExample> batch) {
        Tensor d = model.logits(batch.stream().map(PairExample::prompt).toList(), batch.stream().map(PairExample::chosen).toList(),
                batch.stream().map(PairExample::rejected).toList());                           // [B]
        Tensor p = vector(batch.stream().mapToDouble(e -> e.preference().orElse(1)).toArray()); // [B]
        Tensor losses = PairwisePreference.losses(d, p);                                       // [B]
        long tokens = batch.stream().mapToLong(e -> 2L * PreferenceModel.length(e.prompt(), e.chosen(), e.rejected())).sum();
        return new Step(losses.mean(), PairwisePreference.metrics(d, p, losses), tokens, batch.size());
    }

    @Override public Map<String, Tensor> parameters() { return model.parameters(); }

    @Override public void save(Path dir, List<Path> tokenizerFiles) { model.save(dir, tokenizerFiles); }

    @Override public void close() { model.close(); }
}
