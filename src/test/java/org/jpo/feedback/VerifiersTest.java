package org.jpo.feedback;

import org.jpo.UserError;
import org.jpo.config.Binder;
import org.jpo.config.ConfigError;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** regex, contains, avoids, length and json on hand-made strings, and their options bound from YAML. */
class VerifiersTest {
    static final ScoreInput IN = ScoreInput.of("Tell me a story.");

    static double value(Verifier v, String completion) { return v.verify("0", IN, completion).value(); }

    @Test void regexMatchesOrForbidsAnywhereInTheText() {
        RegexVerifier match = new RegexVerifier("\\bonce upon\\b", null), forbid = new RegexVerifier("\\d", RegexVerifier.Mode.FORBID);
        assertEquals(RegexVerifier.Mode.MATCH, match.mode());
        assertEquals(1.0, value(match, "And once upon a time"));
        assertEquals(0.0, value(match, "Once upon a time"));   // Java regex is case-sensitive unless (?i)
        assertEquals(1.0, value(new RegexVerifier("(?i)^once", null), "Once upon a time"));
        assertEquals(1.0, value(forbid, "no digits here"));
        assertEquals(0.0, value(forbid, "route 66"));
        assertEquals("matched \"6\" at 6", forbid.verify("0", IN, "route 66").details());
        ConfigError e = assertThrows(ConfigError.class, () -> new RegexVerifier("a(b", null));
        assertEquals("pattern", e.key());
        assertTrue(e.getMessage().startsWith("pattern is not a valid Java regular expression: Unclosed group"), e.getMessage());
    }

    @Test void containsIsTheFractionOfWholeWordsPresentIgnoringCase() {
        ContainsVerifier c = new ContainsVerifier(List.of("park", "ice cream"));
        assertEquals(1.0, value(c, "At the PARK they ate Ice  cream? No: ice cream."));
        assertEquals(0.5, value(c, "They went to the park."));
        assertEquals("missing: ice cream", c.verify("0", IN, "They went to the park.").details());
        assertEquals(0.0, value(c, "Parking near the parks, with icecream."));   // not whole words
        assertEquals(1.0, value(new ContainsVerifier(List.of("café")), "Un CAFÉ, s'il vous plaît"));
        assertEquals(0.0, value(new ContainsVerifier(List.of("park")), "park_"), "an underscore joins words");
    }

    @Test void avoidsIsOneOnlyWhenNoWordIsPresent() {
        AvoidsVerifier a = new AvoidsVerifier(List.of("sad", "dark"));
        assertEquals(1.0, value(a, "A sadder, darker day."));
        assertEquals(0.0, value(a, "It was Dark."));
        assertEquals("found: dark", a.verify("0", IN, "It was Dark.").details());
        assertThrows(ConfigError.class, () -> new AvoidsVerifier(List.of()));
        assertThrows(ConfigError.class, () -> new AvoidsVerifier(List.of(" ")));
    }

    @Test void lengthCountsWordsOrCharactersWithInclusiveBounds() {
        LengthVerifier words = new LengthVerifier(2, 3, null);
        assertEquals(LengthVerifier.Unit.WORDS, words.unit());
        assertEquals(0.0, value(words, "  one  "));
        assertEquals(1.0, value(words, "one\ttwo"));
        assertEquals(1.0, value(words, " one two\nthree "));
        assertEquals(0.0, value(words, "one two three four"));
        assertEquals("4 words", words.verify("0", IN, "one two three four").details());
        assertEquals(0, words.length("   "));
        LengthVerifier chars = new LengthVerifier(null, 3, LengthVerifier.Unit.CHARS);
        assertEquals(1.0, value(chars, "a\uD83D\uDE00b"));   // an emoji is one code point
        assertEquals(0.0, value(chars, "abcd"));
        assertEquals(1.0, value(new LengthVerifier(4, null, LengthVerifier.Unit.CHARS), "abcd"));
        assertEquals("max must be >= min (3), got 2", assertThrows(ConfigError.class, () -> new LengthVerifier(3, 2, null)).getMessage());
        assertThrows(ConfigError.class, () -> new LengthVerifier(null, null, null));
        assertThrows(ConfigError.class, () -> new LengthVerifier(-1, null, null));
    }

    @Test void jsonIsOneObjectOptionallyFencedWithTheRequiredKeys() {
        JsonVerifier any = new JsonVerifier(List.of()), keyed = new JsonVerifier(List.of("name", "age"));
        assertEquals(1.0, value(any, " \n{\"a\": 1}\n "));
        assertEquals(1.0, value(any, "```json\n{\"a\": [1, 2]}\n```"));
        assertEquals(1.0, value(any, "```\n{}\n```"));
        assertEquals(0.0, value(any, "Here it is: {\"a\": 1}"));
        assertEquals(0.0, value(any, "{\"a\": 1} {\"b\": 2}"));
        assertEquals(0.0, value(any, "{\"a\": 1,}"));
        assertEquals(0.0, value(any, "[1, 2]"));
        assertEquals(0.0, value(any, ""));
        assertEquals("not a JSON object: array", any.verify("0", IN, "[1]").details());
        assertEquals(1.0, value(keyed, "{\"name\": \"Lily\", \"age\": 3, \"x\": null}"));
        assertEquals(0.0, value(keyed, "{\"name\": \"Lily\", \"toy\": {\"age\": 3}}"));
        assertEquals("missing keys: age", keyed.verify("0", IN, "{\"name\": \"Lily\"}").details());
    }

    /** Each verifier's options are config keys: a later {@code feedback:} list binds them with the one binder. */
    @Test void optionsBindFromYamlWithDefaultsAndNamedErrors() {
        Path dir = Path.of("").toAbsolutePath();
        assertEquals(new ContainsVerifier(List.of("park")),
                new Binder<>(ContainsVerifier.class, "contains", "-").parse("f.yaml", "words: [park]\n", dir, List.of()));
        assertEquals(new RegexVerifier("x+", RegexVerifier.Mode.FORBID),
                new Binder<>(RegexVerifier.class, "regex", "-").parse("f.yaml", "pattern: x+\nmode: forbid\n", dir, List.of()));
        assertEquals(new LengthVerifier(null, 50, LengthVerifier.Unit.WORDS),
                new Binder<>(LengthVerifier.class, "length", "-").parse("f.yaml", "max: 50\n", dir, List.of()));
        assertEquals(new JsonVerifier(List.of()), new Binder<>(JsonVerifier.class, "json", "-").parse("f.yaml", "{}\n", dir, List.of()));
        assertEquals(new MathVerifier(), new Binder<>(MathVerifier.class, "math", "-").parse("f.yaml", "{}\n", dir, List.of()));
        UserError e = assertThrows(UserError.class,
                () -> new Binder<>(LengthVerifier.class, "length", "-").parse("f.yaml", "min: 5\nmax: 2\n", dir, List.of()));
        assertTrue(e.getMessage().startsWith("f.yaml:2: max must be >= min (5), got 2"), e.getMessage());
    }
}
