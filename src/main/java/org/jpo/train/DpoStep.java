package org.jpo.train;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.jpo.data.Example;
import org.jpo.data.PairExample;
import org.jpo.loss.Sigmoid;
import org.jpo.model.Transformer;
import org.jpo.tensor.Natives;

import java.util.List;
import java.util.Map;

import static org.jpo.tensor.Tensors.*;

/**
 * One optimizer step of {@code jpo train}'s DPO (sigmoid loss, arXiv:2305.18290) against cached reference
 * log-probs, through the trainer's own pieces: {@link DpoObjective} (chosen and rejected in one [2B,T]
 * forward, or prefix-shared rows), {@link Trainer#forward} (bf16 autocast when asked), backward, {@link Trainer#update} (clip to
 * norm 1, {@link AdamW} at weight decay 0). {@code jpo bench train} times it; nothing here is bench-only math.
 *
 * <p>Owns the policy (closed with this) and the optimizer state.
 */
public final class DpoStep implements AutoCloseable {
    private final DpoObjective objective;
    private final AdamW opt;
    private final double lr;
    private final boolean bf16;

    /**
     * @param reference     {r⁺, r⁻} per pair, as the reference cache holds them
     * @param prefixSharing one [prompt, chosen, rejected] row per pair (jpo train's default) instead of two plain rows
     */
    public DpoStep(Transformer policy, Map<Example, double[]> reference, double beta, double lr, boolean bf16, boolean prefixSharing) {
        this.objective = new DpoObjective(policy, new Sigmoid(beta), new DpoObjective.Cached(reference),
                new DpoObjective.Modifiers(1, false, false, false, prefixSharing, 0));
        this.opt = new AdamW(objective.parameters(), 0.9, 0.999, 1e-8, 0.0);
        this.lr = lr;
        this.bf16 = bf16;
    }

    /** Forward, backward and update on {@code batch}; returns the loss before the update. */
    public double run(List<PairExample> batch) {
        double loss;
        try (Natives.Pools threads = Natives.trainingThreads(bf16)) {
            try (PointerScope scope = new PointerScope()) {
                Objective.Step s = Trainer.forward(objective, batch, bf16);
                loss = item(s.loss());
                s.backward(1);
            }
            Trainer.update(opt, objective.parameters(), 1.0, lr);
        }
        return loss;
    }

    /** The policy's live weights, by name. */
    public Map<String, Tensor> parameters() { return objective.parameters(); }

    @Override public void close() {
        opt.close();
        objective.close();
    }
}
