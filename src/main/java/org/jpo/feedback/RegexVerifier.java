package org.jpo.feedback;

import org.jpo.config.ConfigError;
import org.jpo.config.Key;
import org.jpo.config.Tag;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * {@code regex}: whether the Java regular expression {@code pattern} is found anywhere in the completion
 * ({@link Matcher#find()}, so anchor it with {@code ^...$} to require the whole text). {@code mode: match} scores
 * 1.0 when found and 0.0 when not; {@code mode: forbid} the reverse. Details quote the first match when there is
 * one. Never missing.
 */
@Tag(value = "regex", doc = "1.0 when a Java regular expression is found (mode: match) or not found (mode: forbid).")
public record RegexVerifier(
        @Key(required = true, doc = "A Java regular expression, searched for anywhere in the completion.") String pattern,
        @Key(value = "match", doc = "match: 1 if the pattern is found; forbid: 1 if it is not.") Mode mode) implements Verifier {

    public enum Mode { MATCH, FORBID }

    public RegexVerifier {
        if (pattern == null || pattern.isEmpty()) throw new ConfigError("pattern", "pattern must be a non-empty regular expression");
        try {
            Pattern.compile(pattern);
        } catch (PatternSyntaxException e) {
            throw new ConfigError("pattern", "pattern is not a valid Java regular expression: " + e.getDescription()
                    + " near index " + e.getIndex() + " of " + pattern);
        }
        if (mode == null) mode = Mode.MATCH;
    }

    @Override public String name() { return "regex:" + mode.name().toLowerCase() + ":" + pattern; }

    @Override public Score verify(String ref, ScoreInput input, String completion) {
        Matcher m = Pattern.compile(pattern).matcher(completion);
        boolean found = m.find();
        String details = found ? "matched \"" + m.group() + "\" at " + m.start() : null;
        double value = found == (mode == Mode.MATCH) ? 1.0 : 0.0;
        return new Score(ref, name(), value, details);
    }
}
