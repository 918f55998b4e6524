package org.jpo.sampling;

/** A tokenized prompt and its index in the input, the coordinate its samples' seeds derive from. */
public record Prompt(int index, int[] ids) {
    public Prompt {
        if (ids.length == 0) throw new IllegalArgumentException("prompt " + index + " has no tokens (start from BOS)");
    }
}
