package org.jpo.tokenizer;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.jpo.UserError;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The token strings and ids of a HF {@code tokenizer.json}: {@code model.vocab} (an object token → id for
 * BPE, WordPiece and WordLevel; a list of [token, score] for Unigram, id = position) plus
 * {@code added_tokens}. Read with Jackson because the native library does not expose the vocabulary.
 */
record HfVocab(Map<String, Integer> ids, BitSet present) {
    static final ObjectMapper JSON = new ObjectMapper();

    /** Largest id + 1: what an embedding table for this tokenizer must hold. */
    int size() { return present.length(); }

    static HfVocab read(Path file) {
        JsonNode root = readJson(file);
        JsonNode vocab = root.path("model").path("vocab");
        Map<String, Integer> ids = new HashMap<>();
        BitSet present = new BitSet(); // kept apart from ids: two tokens may share a string
        BiConsumer<String, Integer> add = (token, id) -> {
            ids.put(token, id);
            present.set(id);
        };
        if (vocab.isObject()) {
            vocab.properties().forEach(e -> add.accept(e.getKey(), id(file, "model.vocab." + e.getKey(), e.getValue())));
        } else if (vocab.isArray()) {
            for (int i = 0; i < vocab.size(); i++) add.accept(vocab.get(i).path(0).asText(), i);
        } else {
            throw new UserError(file + ": no model.vocab (object or list); is this a HF tokenizer.json?");
        }
        for (JsonNode added : root.path("added_tokens")) { // added last: their ids win for a shared string
            add.accept(added.path("content").asText(), id(file, "added_tokens[].id", added.path("id")));
        }
        return new HfVocab(Map.copyOf(ids), present);
    }

    private static int id(Path file, String field, JsonNode value) {
        if (!value.canConvertToInt() || !value.isIntegralNumber() || value.asInt() < 0) {
            throw new UserError(file + ": " + field + " is " + value + ", expected a token id >= 0");
        }
        return value.asInt();
    }

    /** Parses a JSON object file; a missing or malformed file is a {@link UserError} naming it (and line:column). */
    static JsonNode readJson(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new UserError("file not found: " + file);
        } catch (IOException e) {
            throw new UserError("cannot read " + file + ": " + e, e);
        }
        try {
            JsonNode root = JSON.readTree(bytes);
            if (!root.isObject()) throw new UserError(file + ": expected a JSON object, found " + root.getNodeType());
            return root;
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : ":" + at.getLineNr() + ":" + at.getColumnNr();
            throw new UserError(file + where + ": not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // reading a byte array: cannot happen
        }
    }
}
