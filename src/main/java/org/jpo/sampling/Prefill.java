package org.jpo.sampling;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.jpo.model.KvCache;
import org.jpo.model.Transformer;

import java.util.List;

import static org.jpo.tensor.Tensors.*;

/**
 * The prompts' forward into a fresh cache, left-padded to the longest: pad keys are masked out and each row's
 * positions start at 0 at its first real token, so a row computes what it would alone.
 */
final class Prefill {
    private Prefill() {}

    /** Next-token logits [U,V] after each prompt; {@code cache} (U rows, {@code longest} columns) gets their keys. */
    static Tensor logits(Transformer model, List<int[]> prompts, int longest, KvCache cache) {
        int b = prompts.size();
        long[] ids = new long[b * longest], pos = new long[b * longest], valid = new long[b * longest];
        for (int i = 0; i < b; i++) {
            int[] p = prompts.get(i);
            int pad = longest - p.length;
            for (int t = 0; t < longest; t++) {
                ids[i * longest + t] = t < pad ? p[0] : p[t - pad];   // pad with any real id: it is masked out
                pos[i * longest + t] = Math.max(0, t - pad);
                valid[i * longest + t] = t < pad ? 0 : 1;
            }
        }
        Tensor causal = torch.ones(new long[] {longest, longest}, options(torch.ScalarType.Bool)).tril();   // [P,P]
        Tensor self = torch.eye(longest, options(torch.ScalarType.Bool));                                  // [P,P]
        Tensor keys = longs(valid, b, 1, 1, longest).to(torch.ScalarType.Bool);                           // [B,1,1,P]
        // A pad query attends to itself only, so no softmax row is empty (an all-masked row would give NaN).
        Tensor mask = causal.logical_and(keys).logical_or(self);                                           // [B,1,P,P]
        Tensor hidden = model.hidden(longs(ids, b, longest), longs(pos, b, longest), mask, cache);          // [B,P,D]
        return model.logits(hidden.select(1, longest - 1));                                                // [B,V]
    }
}
