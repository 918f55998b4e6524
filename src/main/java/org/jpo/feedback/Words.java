package org.jpo.feedback;

import org.jpo.config.ConfigError;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/** Case-insensitive whole-word search shared by {@link ContainsVerifier} and {@link AvoidsVerifier}. */
final class Words {
    /** Compiled once per configured word, not once per completion scored. */
    private static final Map<String, Pattern> PATTERNS = new ConcurrentHashMap<>();

    private Words() {}

    /**
     * {@code word} occurs in {@code text}, ignoring case (Unicode), and is neither preceded nor followed by a letter,
     * digit or underscore: "park" is found in "the Park." but not in "parking". A word may contain spaces ("ice cream").
     */
    static boolean present(String word, String text) {
        return PATTERNS.computeIfAbsent(word, w -> Pattern.compile("(?<![\\p{L}\\p{N}_])" + Pattern.quote(w) + "(?![\\p{L}\\p{N}_])",
                Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE)).matcher(text).find();
    }

    /** {@code words} as an immutable list, if each is a non-empty word without surrounding spaces. */
    static List<String> checked(List<String> words) {
        if (words == null || words.isEmpty()) throw new ConfigError("words", "words must list at least one word");
        for (String w : words) {
            if (w == null || w.isBlank()) throw new ConfigError("words", "words must not contain an empty word, got " + words);
            if (!w.equals(w.strip())) throw new ConfigError("words", "words: '" + w + "' has surrounding spaces");
        }
        return List.copyOf(words);
    }
}
