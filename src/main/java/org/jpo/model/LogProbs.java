package org.jpo.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import static org.jpo.tensor.Tensors.*;

/**
 * Batched, padded, masked per-token log-probabilities of completions given prompts.
 *
 * <p>log p(y_t) = logit[y_t] − logsumexp(logits): only the [B,T,V] logits tensor is materialized; the
 * log-softmax over the vocabulary never is.
 */
public final class LogProbs {
    private LogProbs() {}

    /** One forward over the batch; gradient flows to the model's parameters if they track it. */
    public static TokenLogps of(Transformer model, SequenceBatch batch) {
        long t = batch.ids().size(1);
        Tensor hidden = model.hidden(batch.ids()).narrow(1, 0, t - 1);                  // [B,T-1,D]
        return fromLogits(model.logits(hidden), batch);                                 // [B,T-1,V] in
    }

    /** The same from next-token logits [B,T-1,V] already computed (e.g. when WPO also needs them). */
    public static TokenLogps fromLogits(Tensor logits, SequenceBatch batch) {
        // under bf16 autocast the head's matmul returns bf16; log-probs are taken in fp32
        if (logits.scalar_type().intern() != torch.ScalarType.Float) logits = logits.to(torch.ScalarType.Float);
        Tensor ids = batch.ids();                                                       // [B,T]
        long t = ids.size(1);
        Tensor targets = ids.narrow(1, 1, t - 1).unsqueeze(-1);                         // [B,T-1,1]
        Tensor lp = logits.gather(-1, targets).squeeze(-1)
                .sub(logits.logsumexp(new long[] {-1}, false));                         // [B,T-1]
        Tensor mask = batch.completionMask();                                           // [B,T-1]
        Tensor meanLogits;
        try (var g = new org.bytedeco.pytorch.NoGradGuard()) {
            Tensor perPos = mean(logits, 2);                                            // [B,T-1]
            meanLogits = sum(perPos.mul(mask), 1).div(sum(mask, 1).clamp_min(s(1)));    // [B]
        }
        return new TokenLogps(lp.mul(mask), mask, meanLogits);
    }
}
