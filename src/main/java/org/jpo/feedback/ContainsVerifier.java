package org.jpo.feedback;

import org.jpo.config.Key;
import org.jpo.config.Tag;

import java.util.List;

/**
 * {@code contains}: the fraction of {@code words} that occur in the completion as whole words, ignoring case
 * ({@link Words#present}): 1.0 when all do, 0.5 when one of two does, 0.0 when none does. A fraction rather than
 * all-or-nothing so that completions closer to the goal rank higher; with one word it is 1 or 0. Details list the
 * words not found. Never missing.
 */
@Tag(value = "contains", doc = "The fraction of the words the completion contains, whole and ignoring case.")
public record ContainsVerifier(
        @Key(required = true, doc = "Words (or phrases) the completion should contain, matched whole and ignoring case.") List<String> words)
        implements Verifier {
    public ContainsVerifier {
        words = Words.checked(words);
    }

    @Override public String name() { return "contains:" + String.join(",", words); }

    @Override public Score verify(String ref, ScoreInput input, String completion) {
        List<String> absent = words.stream().filter(w -> !Words.present(w, completion)).toList();
        double value = (double) (words.size() - absent.size()) / words.size();
        return new Score(ref, name(), value, absent.isEmpty() ? null : "missing: " + String.join(", ", absent));
    }
}
