package org.jpo.feedback;

import org.jpo.config.ConfigError;
import org.jpo.config.Key;
import org.jpo.config.Tag;

/**
 * {@code length}: 1.0 when the completion's length is within [{@code min}, {@code max}] (inclusive; a null bound is
 * no bound), else 0.0, with the length in the details. Length is counted in {@code unit}: {@code words}, runs of
 * non-whitespace characters, or {@code chars}, Unicode code points. Not tokens: a verifier has no tokenizer, and
 * words and characters mean the same thing for every model. Never missing.
 */
@Tag(value = "length", doc = "1.0 when the completion's length in words or characters is within [min, max], else 0.")
public record LengthVerifier(
        @Key(doc = "Shortest allowed length (inclusive); null = no lower bound.") Integer min,
        @Key(doc = "Longest allowed length (inclusive); null = no upper bound.") Integer max,
        @Key(value = "words", doc = "words: whitespace-separated words; chars: Unicode code points.") Unit unit) implements Verifier {

    public enum Unit { WORDS, CHARS }

    public LengthVerifier {
        if (min == null && max == null) throw new ConfigError("min", "length needs min, max or both");
        if (min != null && min < 0) throw new ConfigError("min", "min must be >= 0, got " + min);
        if (max != null && max < 0) throw new ConfigError("max", "max must be >= 0, got " + max);
        if (min != null && max != null && max < min) throw new ConfigError("max", "max must be >= min (" + min + "), got " + max);
        if (unit == null) unit = Unit.WORDS;
    }

    /** The completion's length in {@link #unit}. */
    public int length(String text) {
        return switch (unit) {
            case CHARS -> text.codePointCount(0, text.length());
            case WORDS -> text.isBlank() ? 0 : text.strip().split("\\s+").length;
        };
    }

    @Override public String name() {
        return "length:" + (min == null ? "" : min) + ".." + (max == null ? "" : max) + " " + unit.name().toLowerCase();
    }

    @Override public Score verify(String ref, ScoreInput input, String completion) {
        int n = length(completion);
        boolean inside = (min == null || n >= min) && (max == null || n <= max);
        return new Score(ref, name(), inside ? 1.0 : 0.0, n + " " + unit.name().toLowerCase());
    }
}
