package org.jpo.data;

/** A prompt and the completion to imitate; the loss is on the completion only. */
public record SftExample(String source, int[] prompt, int[] completion) implements Example {
    public SftExample {
        Example.checkNotEmpty(source, prompt, completion);
    }
}
