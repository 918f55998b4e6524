package org.jpo.data;

/** A single completion labelled desirable or undesirable (KTO). */
public record UnpairedExample(String source, int[] prompt, int[] completion, boolean desirable) implements Example {
    public UnpairedExample {
        Example.checkNotEmpty(source, prompt, completion);
    }
}
