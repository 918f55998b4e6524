package org.jpo.loss;

/**
 * The listwise losses ({@code pairs.strategy: list}): a prompt's K scored completions, ranked by their scores ψ with
 * ties kept, in one loss term. PRO reads no reference; LiPO-λ and MPO read one, through the DPO scores s = β·(π − r).
 */
public sealed interface ListLoss extends PreferenceLoss permits Pro, LipoLambda, Mpo {
    /** Whether the loss reads reference log-probs ({@link ListBatch#reference()} present). */
    boolean readsReference();

    /** Per-list losses [B] and per-completion scores [B,K]; their mean over lists is the batch loss. */
    ListBatch.Result apply(ListBatch b);
}
