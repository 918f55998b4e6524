package org.jpo.train;

import org.jpo.config.Check;
import org.jpo.config.Key;

/**
 * How the DPO family's and the listwise losses' forward is computed; the results are equal either way (to float
 * rounding), only time and memory change. Defaults measured with {@code jpo bench prefix} and {@code jpo bench logprobs}.
 */
public record SpeedOptions(
        @Key(value = "true", doc = "Prefix sharing (arXiv:2410.20305): each pair is one row [prompt, chosen, rejected] "
                + "under a block causal mask, so the prompt is computed once; false = chosen and rejected as two rows "
                + "that both repeat the prompt. Measured never slower: 1.09x, 1.36x, 1.98x faster at prompt:completion 1:1, 4:1, 16:1. "
                + "A ranked list (method list) is one row [prompt, y_1, …, y_K]: with 8 completions 1.18x, 2.51x, 4.01x faster at "
                + "1:1, 4:1, 16:1, but 0.80x at 1:6 (jpo bench prefix --list-size 8).")
        boolean prefixSharing,
        @Key(value = "0", doc = "LM-head positions per chunk for the log-probs, so the [B,T,V] logits never exist at "
                + "once; training then runs the head twice (values, then gradient), trading time for peak memory "
                + "(measured at V=32000, B=8, T=512: 256 cuts a step's peak RSS from 2.1 GB to 0.28 GB and costs 29% "
                + "more time). 0 = all positions at once, the fastest.") int logprobChunkSize) {
    public SpeedOptions {
        Check.atLeast("logprob_chunk_size", logprobChunkSize, 0);
    }
}
