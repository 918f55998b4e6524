package org.jpo.sampling;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One prompt the loop samples from, as read from its file.
 *
 * @param id     the row's {@code id} field if it has one, else its line number: stable across rounds and runs
 * @param index  0-based position in its file, the coordinate its samples' seeds derive from
 * @param text   the prompt as the model reads it (a conversation rendered with the chat template)
 * @param ids    its token ids (BOS first when the tokenizer has one)
 * @param fields the whole row as the user wrote it, for the scorers (answer, tests, ...): free-form
 */
public record PromptRow(String id, int index, String text, int[] ids, JsonNode fields) {
    /** The sampler's view: index and ids. */
    public Prompt prompt() { return new Prompt(index, ids); }
}
