package org.jpo.feedback;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import java.util.Optional;

/**
 * What a scorer may read about the prompt its completions answer: the prompt text and the prompt's whole row
 * (e.g. a reference {@code answer}, an {@code id}). Scorers read the row and never modify it.
 *
 * @param prompt the prompt text
 * @param row    the prompt's row as read (its fields other than the prompt are what verifiers look up); empty if none
 */
public record ScoreInput(String prompt, JsonNode row) {
    public ScoreInput {
        if (prompt == null) throw new IllegalArgumentException("prompt is null");
        if (row == null) throw new IllegalArgumentException("row is null; use an empty object");
    }

    /** A prompt with no other fields. */
    public static ScoreInput of(String prompt) { return new ScoreInput(prompt, JsonNodeFactory.instance.objectNode()); }

    /** A field of the row, absent when missing or JSON null. */
    public Optional<JsonNode> field(String name) {
        JsonNode v = row.get(name);
        return v == null || v.isNull() ? Optional.empty() : Optional.of(v);
    }
}
