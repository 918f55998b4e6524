package org.jpo.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import org.jpo.UserError;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * BOS, EOS and pad ids of a HF tokenizer, from the files transformers keeps next to {@code tokenizer.json}:
 * {@code tokenizer_config.json}'s {@code bos_token}/{@code eos_token}/{@code pad_token} (a string, or an
 * AddedToken object with {@code content}) looked up in the vocabulary, else {@code config.json}'s
 * {@code bos_token_id}/{@code eos_token_id}/{@code pad_token_id}, else none.
 */
record SpecialIds(OptionalInt bos, OptionalInt eos, OptionalInt pad) {

    static SpecialIds read(Path tokenizerJson, HfVocab vocab) {
        Path dir = tokenizerJson.toAbsolutePath().getParent();
        Source tokenizerConfig = Source.of(dir.resolve("tokenizer_config.json"));
        Source config = Source.of(dir.resolve("config.json"));
        return new SpecialIds(
                resolve("bos", tokenizerConfig, config, tokenizerJson, vocab),
                resolve("eos", tokenizerConfig, config, tokenizerJson, vocab),
                resolve("pad", tokenizerConfig, config, tokenizerJson, vocab));
    }

    /** A JSON file that may be absent (then every field is missing). */
    private record Source(Path file, JsonNode root) {
        static Source of(Path file) {
            return new Source(file, Files.isRegularFile(file) ? HfVocab.readJson(file) : MissingNode.getInstance());
        }

        /** The field, or empty if it is absent or null. */
        JsonNode field(String name) {
            JsonNode node = root.path(name);
            return node.isMissingNode() || node.isNull() ? null : node;
        }
    }

    private static OptionalInt resolve(String kind, Source tokenizerConfig, Source config, Path tokenizerJson,
                                       HfVocab vocab) {
        OptionalInt byName = byName(tokenizerConfig, kind + "_token", tokenizerJson, vocab);
        return byName.isPresent() ? byName : byId(config, kind + "_token_id", tokenizerJson, vocab);
    }

    private static OptionalInt byName(Source src, String field, Path tokenizerJson, HfVocab vocab) {
        JsonNode node = src.field(field);
        if (node == null) return OptionalInt.empty();
        JsonNode content = node.isObject() ? node.path("content") : node;
        if (!content.isTextual()) {
            throw new UserError(src.file() + ": " + field + " is " + node
                    + ", expected a token string or an object with a \"content\" string");
        }
        Integer id = vocab.ids().get(content.asText());
        if (id == null) {
            throw new UserError(src.file() + ": " + field + " '" + content.asText() + "' is not a token of "
                    + tokenizerJson);
        }
        return OptionalInt.of(id);
    }

    /** An id, or a list of ids (e.g. several EOS ids), of which the first is taken. */
    private static OptionalInt byId(Source src, String field, Path tokenizerJson, HfVocab vocab) {
        JsonNode node = src.field(field);
        if (node == null || node.isArray() && node.isEmpty()) return OptionalInt.empty();
        JsonNode id = node.isArray() ? node.get(0) : node;
        if (!id.isIntegralNumber() || !id.canConvertToInt() || id.asInt() < 0 || !vocab.present().get(id.asInt())) {
            throw new UserError(src.file() + ": " + field + " is " + node + ", expected a token id of "
                    + tokenizerJson + " (0.." + (vocab.size() - 1) + ")");
        }
        return OptionalInt.of(id.asInt());
    }
}
