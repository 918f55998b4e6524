package org.jpo.sampling;

/**
 * How the next token is picked from the logits: the part of {@link SamplingParams} a batch shares. Rows with
 * different choices cannot share a batch ({@code jpo serve} groups its pending rows by it).
 *
 * @param temperature logits are divided by it before top-k/top-p (must be &gt; 0)
 * @param topK        keep the k most likely tokens; 0 = off
 * @param topP        keep the smallest set of tokens whose probability mass reaches p; 1 = off
 * @param greedy      argmax; ignores the other three and the row's random stream
 */
public record Choice(double temperature, int topK, double topP, boolean greedy) {
    /** Argmax decoding; every greedy choice is this one, so greedy rows always batch together. */
    public static final Choice GREEDY = new Choice(1.0, 0, 1.0, true);

    public Choice {
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be > 0 (use greedy for argmax), got " + temperature);
        }
        if (topK < 0) throw new IllegalArgumentException("top_k must be >= 0 (0 = off), got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
    }
}
