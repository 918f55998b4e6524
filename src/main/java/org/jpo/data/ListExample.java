package org.jpo.data;

/**
 * A prompt's ranked list of completions (pro, lipo, mpo): K &gt;= 2 completions, each with its score ψ, higher is better;
 * equal scores are ties, which the listwise losses never order.
 *
 * @param completions K token arrays, in the row's order
 * @param scores      K finite scores, in the same order
 */
public record ListExample(String source, int[] prompt, int[][] completions, double[] scores) implements Example {
    public ListExample {
        Example.checkNotEmpty(source, prompt, completions);
        if (completions.length < 2 || scores.length != completions.length) {
            throw new IllegalArgumentException(source + ": a list needs two or more completions with a score each, got "
                    + completions.length + " completions and " + scores.length + " scores");
        }
        for (double s : scores) if (!Double.isFinite(s)) throw new IllegalArgumentException(source + ": scores must be finite, got " + s);
    }

    /** K, the list's completions. */
    public int size() { return completions.length; }
}
