package org.jpo.feedback;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import org.jpo.config.ConfigError;
import org.jpo.config.Key;
import org.jpo.config.Tag;
import org.jpo.io.Jsonl;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code json}: 1.0 when the completion is one JSON object and has every key in {@code required_keys} (top level),
 * else 0.0 with the reason in the details. Surrounding whitespace is allowed, and so is one Markdown fenced block
 * around the object (a line of three backticks, optionally followed by {@code json}, and a closing one); any other
 * text before or after the object, a second value, or a non-object value (array, string, number) scores 0.
 * Never missing.
 */
@Tag(value = "json", doc = "1.0 when the completion is one JSON object with the required keys, else 0.")
public record JsonVerifier(
        @Key(value = "[]", doc = "Top-level keys the object must have.") List<String> requiredKeys) implements Verifier {

    private static final Pattern FENCE = Pattern.compile("```(?:json)?[ \\t]*\\R(.*?)\\R?[ \\t]*```", Pattern.DOTALL | Pattern.CASE_INSENSITIVE);
    private static final ObjectReader STRICT = Jsonl.JSON.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    public JsonVerifier {
        requiredKeys = requiredKeys == null ? List.of() : List.copyOf(requiredKeys);
        for (String k : requiredKeys) if (k.isEmpty()) throw new ConfigError("required_keys", "required_keys must not contain an empty key");
    }

    @Override public String name() { return requiredKeys.isEmpty() ? "json" : "json:" + String.join(",", requiredKeys); }

    @Override public Score verify(String ref, ScoreInput input, String completion) {
        String text = completion.strip();
        Matcher fence = FENCE.matcher(text);
        if (fence.matches()) text = fence.group(1).strip();
        JsonNode n;
        try {
            n = text.isEmpty() ? null : STRICT.readTree(text);
        } catch (JsonProcessingException e) {
            return new Score(ref, name(), 0.0, "not JSON: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) return new Score(ref, name(), 0.0, "not a JSON object: " + (n == null ? "empty" : n.getNodeType().name().toLowerCase()));
        List<String> absent = requiredKeys.stream().filter(k -> !n.has(k)).toList();
        return absent.isEmpty() ? Score.of(ref, name(), 1.0) : new Score(ref, name(), 0.0, "missing keys: " + String.join(", ", absent));
    }
}
