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

    /**
     * Trains data-parallel over {@code dp}'s ranks: an objective whose loss reads a statistic of the whole micro-batch
     * (KTO's KL estimate, BCO's running mean) takes it over every rank's share, so it is the global batch's.
     */
    default void parallel(DataParallel dp) {}

    /** A rank whose share of a training micro-batch is empty: it takes part in the collectives {@link #train} makes. */
    default void idle() {}

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
     * @param weight  what the loss is a mean over (examples, or completion tokens for sft): how much of a data-parallel
     *                global batch's mean this micro-batch's is ({@link DataParallel})
     * @param twoPass the LM head's deferred backward when log-probs were chunked ({@link LogProbs.TwoPass})
     */
    record Step(Tensor loss, Map<String, Double> metrics, long tokens, double weight, Optional<LogProbs.TwoPass> twoPass) {
        Step(Tensor loss, Map<String, Double> metrics, long tokens, double weight) { this(loss, metrics, tokens, weight, Optional.empty()); }

        /** Backpropagates loss / {@code divisor} (gradient accumulation) into every parameter. */
        void backward(double divisor) {
            Tensor scaled = loss.div(org.jpo.tensor.Tensors.s(divisor));
            if (twoPass.isPresent()) twoPass.get().backward(scaled);
            else scaled.backward();
        }
    }
}
