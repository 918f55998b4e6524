package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;

import java.util.Optional;

import static org.jpo.tensor.Tensors.checkShape;

/**
 * Everything a referenced paired loss may read for B pairs: policy and reference log-probs; for SPPO, the estimated win
 * probabilities P⁺, P⁻ [B] of each completion against the policy's samples; for INPO and EGPO, the preference P(y⁺ ≻ y⁻)
 * [B] of the pair itself and (INPO) the log-probs of the policy the round started from, π_t. Reference and π_t log-probs
 * never carry gradient; losses detach them anyway.
 *
 * @param preference P(chosen ≻ rejected) [B] in [0, 1], from a pairwise scorer; empty = every pair a labelled y⁺ ≻ y⁻
 *                   (P = 1)
 * @param previous   π_t, the policy the round's training started from (INPO's online mirror descent step is from it)
 */
public record PairBatch(PairLogps policy, PairLogps reference, Optional<WinProbs> winProbs, Optional<Tensor> preference,
                        Optional<PairLogps> previous) {
    public PairBatch {
        if (policy.batchSize() != reference.batchSize()) {
            throw new IllegalArgumentException("policy has " + policy.batchSize() + " pairs, reference has "
                    + reference.batchSize());
        }
        preference.ifPresent(p -> checkShape(p, "preference", policy.batchSize()));
        previous.ifPresent(p -> {
            if (p.batchSize() != policy.batchSize()) {
                throw new IllegalArgumentException("policy has " + policy.batchSize() + " pairs, previous has " + p.batchSize());
            }
        });
    }

    public PairBatch(PairLogps policy, PairLogps reference, Optional<WinProbs> winProbs) {
        this(policy, reference, winProbs, Optional.empty(), Optional.empty());
    }

    public PairBatch(PairLogps policy, PairLogps reference) { this(policy, reference, Optional.empty()); }

    public long batchSize() { return policy.batchSize(); }

    /** Win probabilities of the chosen and rejected completions, [B] each, in [0, 1]. */
    public record WinProbs(Tensor chosen, Tensor rejected) {}
}
