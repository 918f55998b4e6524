package org.jpo.sampling;

/**
 * How to sample completions.
 *
 * @param n            samples per prompt (default 1)
 * @param maxNewTokens most tokens generated per sample (default 128); fewer if the context window fills
 * @param temperature  logits are divided by it before top-k/top-p (default 1.0; must be &gt; 0)
 * @param topK         keep the k most likely tokens; 0 = off (default 0)
 * @param topP         keep the smallest set of tokens whose probability mass reaches p; 1 = off (default 1.0)
 * @param greedy       argmax decoding; ignores temperature, top-k, top-p and the seed (default false)
 * @param seed         run seed; each sample's stream derives from (seed, prompt index, sample index) (default 0)
 */
public record SamplingParams(int n, int maxNewTokens, double temperature, int topK, double topP, boolean greedy, long seed) {
    public static final SamplingParams DEFAULT = new SamplingParams(1, 128, 1.0, 0, 1.0, false, 0);

    public SamplingParams {
        if (n < 1) throw new IllegalArgumentException("n must be >= 1, got " + n);
        if (maxNewTokens < 1) throw new IllegalArgumentException("max_new_tokens must be >= 1, got " + maxNewTokens);
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be > 0 (use greedy for argmax), got " + temperature);
        }
        if (topK < 0) throw new IllegalArgumentException("top_k must be >= 0 (0 = off), got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
    }

    /** How each token is picked; greedy params give {@link Choice#GREEDY}. */
    public Choice choice() { return greedy ? Choice.GREEDY : new Choice(temperature, topK, topP, false); }

    public static SamplingParams greedy(int maxNewTokens) { return new SamplingParams(1, maxNewTokens, 1.0, 0, 1.0, true, 0); }
}
