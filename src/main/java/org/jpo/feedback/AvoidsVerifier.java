package org.jpo.feedback;

import org.jpo.config.Key;
import org.jpo.config.Tag;

import java.util.List;

/**
 * {@code avoids}: 1.0 when none of {@code words} occurs in the completion as a whole word, ignoring case
 * ({@link Words#present}); 0.0 when any does, with the words found in the details. Never missing.
 */
@Tag(value = "avoids", doc = "1.0 when the completion contains none of the words, else 0.")
public record AvoidsVerifier(
        @Key(required = true, doc = "Words (or phrases) the completion must not contain, matched whole and ignoring case.") List<String> words)
        implements Verifier {
    public AvoidsVerifier {
        words = Words.checked(words);
    }

    @Override public String name() { return "avoids:" + String.join(",", words); }

    @Override public Score verify(String ref, ScoreInput input, String completion) {
        List<String> found = words.stream().filter(w -> Words.present(w, completion)).toList();
        return found.isEmpty() ? Score.of(ref, name(), 1.0) : new Score(ref, name(), 0.0, "found: " + String.join(", ", found));
    }
}
