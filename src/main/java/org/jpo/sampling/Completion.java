package org.jpo.sampling;

/**
 * One sampled completion, with enough to regenerate it alone.
 *
 * @param promptIndex index of the prompt in its input (stable across batches and runs)
 * @param sampleIndex 0..n-1 among the prompt's samples
 * @param tokenIds    generated ids, including the stop token when {@code finish} is STOP
 * @param tokenLogps  log p of each generated token under the model (temperature 1, before top-k/top-p)
 * @param finish      why it ended
 * @param seed        the derived seed of this sample's random stream
 */
public record Completion(int promptIndex, int sampleIndex, int[] tokenIds, double[] tokenLogps, FinishReason finish, long seed) {
    /** Σ token log-probs. */
    public double logp() {
        double s = 0;
        for (double v : tokenLogps) s += v;
        return s;
    }
}
