package org.jpo.demo;

import java.nio.file.Path;

/**
 * A synthetic task with verifiable answers that jpo generates offline: prompts with gold answers, held-out prompts, and
 * SFT rows with gold solutions, all from a seed. The demo's policies read it through a character tokenizer over
 * {@link #alphabet}.
 */
public sealed interface Task permits AdditionTask, ChainTask {
    /** The three files {@link #write} makes: the loop's prompts, held-out prompts, SFT rows; disjoint problems. */
    record Files(Path prompts, Path eval, Path sft) {}

    /** Writes prompts.jsonl, eval.jsonl and sft.jsonl into {@code dir}; the same seed gives the same files. */
    Files write(Path dir, long seed);

    /** Every character a prompt or gold completion uses, in token-id order. */
    String alphabet();

    /** The longest prompt in characters. */
    int maxPromptChars();

    /** The longest gold completion in characters. */
    int maxCompletionChars();

    /** The model's context window: BOS, the longest prompt and completion, EOS, and room to spare. */
    int maxSeqLen();
}
