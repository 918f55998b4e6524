package org.jpo.data;

/**
 * One tokenized training example. Token ids follow the model's conventions: the prompt starts with BOS when
 * the tokenizer has one, a completion ends with EOS when the tokenizer has one (unless it was truncated).
 * Prompts and completions are never empty: the loaders drop (and count) examples that would be.
 */
public sealed interface Example permits PairExample, UnpairedExample, SftExample, GroupExample, ListExample {
    /** Where the example came from, e.g. "data/train.jsonl:17". */
    String source();

    /** Shared check of the records: a model needs a context token and something to score. */
    static void checkNotEmpty(String source, int[] prompt, int[]... completions) {
        if (prompt == null || prompt.length == 0) throw new IllegalArgumentException(source + ": empty prompt");
        for (int[] c : completions) {
            if (c == null || c.length == 0) throw new IllegalArgumentException(source + ": empty completion");
        }
    }
}
