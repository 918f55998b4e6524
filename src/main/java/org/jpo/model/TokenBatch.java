package org.jpo.model;

import org.bytedeco.pytorch.Tensor;

/** Token rows whose completion log-probs {@link LogProbs} computes: plain padded rows, or pairs sharing their prompt. */
public sealed interface TokenBatch permits SequenceBatch, PackedLists {
    /** The model's hidden states over the rows, [B,T,D]. */
    Tensor hidden(Transformer model);

    /** The completion tokens and where their log-probs go. */
    Targets targets();
}
