package org.jpo.sampling;

/**
 * One sampled completion, with enough to regenerate it alone.
 *
 * @param promptIndex index of the prompt in its input (stable across batches and runs)
 * @param sampleIndex 0..n-1 among the prompt's samples
 * @param tokenIds    generated ids, including the stop token when {@code finish} is STOP
 * @param tokenLogps  log p of each generated token under the model (temperature 1, before top-k/top-p); empty when
 *                    the sampler had none (a remote server that returned no log-probs), see {@link #hasLogps}
 * @param finish      why it ended
 * @param seed        the derived seed of this sample's random stream
 */
public record Completion(int promptIndex, int sampleIndex, int[] tokenIds, double[] tokenLogps, FinishReason finish, long seed) {
    /** false when the sampler could not give a log-prob per token (tokenLogps is then empty). */
    public boolean hasLogps() { return tokenLogps.length == tokenIds.length; }

    /** Σ token log-probs; NaN when there are none ({@link #hasLogps} false), never a silent 0. */
    public double logp() {
        if (!hasLogps()) return Double.NaN;
        double s = 0;
        for (double v : tokenLogps) s += v;
        return s;
    }
}
