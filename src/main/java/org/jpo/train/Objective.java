package org.jpo.train;

import org.jpo.data.Example;
import org.bytedeco.pytorch.Tensor;
import org.jpo.model.LogProbs;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One training method (DPO family, KTO, SFT, reward model): the loss of a micro-batch and what to log about
 * it. The trainer's loop is the same for all; only this differs.
 */
interface Objective<E extends Example> extends AutoCloseable {
    /** Loss of the micro-batch (mean over it; with gradient unless called under NoGradGuard) and its metrics. */
    Step compute(List<E> batch);

    /**
     * The loss of a training micro-batch: {@link #compute}, after which any state the loss carries from batch
     * to batch advances (BCO's running reward mean). Evaluation calls {@link #compute} only.
     */
    default Step train(List<E> batch) { return compute(batch); }

    /** State besides weights and optimizer moments that a resume must restore, by name (saved in trainer_state.json). */
    default Map<String, Double> state() { return Map.of(); }

    /** Restores what {@link #state} returned when the checkpoint was written. */
    default void restore(Map<String, Double> state) {}

    /** The trainable weights, by name. */
    Map<String, Tensor> parameters();

    /** Writes the trained model in HF layout into {@code dir} (created). */
    void save(Path dir, List<Path> tokenizerFiles);

    /** Called after each optimizer update with the number of updates made (TR-DPO reference syncing). */
    default void afterUpdate(long updates) {}

    @Override void close();

    /**
     * @param tokens  non-pad tokens in the micro-batch (for tokens/s and num_tokens)
     * @param twoPass the LM head's deferred backward when log-probs were chunked ({@link LogProbs.TwoPass})
     */
    record Step(Tensor loss, Map<String, Double> metrics, long tokens, Optional<LogProbs.TwoPass> twoPass) {
        Step(Tensor loss, Map<String, Double> metrics, long tokens) { this(loss, metrics, tokens, Optional.empty()); }

        /** Backpropagates loss / {@code divisor} (gradient accumulation) into every parameter. */
        void backward(double divisor) {
            Tensor scaled = loss.div(org.jpo.tensor.Tensors.s(divisor));
            if (twoPass.isPresent()) twoPass.get().backward(scaled);
            else scaled.backward();
        }
    }
}
