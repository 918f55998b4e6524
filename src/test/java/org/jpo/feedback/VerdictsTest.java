package org.jpo.feedback;

import org.jpo.feedback.Verdicts.Preference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Verdicts parsed from whole judge answers in the formats real judges write (the fixtures in
 * {@code judge-outputs/}, written by hand in those formats: no real LLM is reachable from here), and the edge cases
 * one line at a time.
 */
class VerdictsTest {
    /** One fixture: its expected verdict as written ("none" = unparseable), what it shows, and the judge's text. */
    record Case(String expected, String note, String text) {
        @Override public String toString() { return expected + " | " + note; }
    }

    static List<Case> cases(String resource) {
        String all;
        try (InputStream in = VerdictsTest.class.getResourceAsStream("/judge-outputs/" + resource)) {
            all = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        List<Case> out = new ArrayList<>();
        String[] header = null;
        StringBuilder text = new StringBuilder();
        for (String line : (all + "@@ end | end\n").split("\n", -1)) {
            if (!line.startsWith("@@ ")) {
                if (header != null) text.append(line).append('\n');
                continue;
            }
            if (header != null) out.add(new Case(header[0].strip(), header[1].strip(), text.toString().strip()));
            header = line.substring(3).split("\\|", 2);
            text.setLength(0);
        }
        return out;
    }

    static Stream<Arguments> pointwise() { return cases("pointwise.txt").stream().map(Arguments::of); }

    static Stream<Arguments> pairwise() { return cases("pairwise.txt").stream().map(Arguments::of); }

    @ParameterizedTest(name = "{0}") @MethodSource("pointwise")
    void aJudgesWholeAnswerGivesItsPoints(Case c) {
        Optional<Double> expected = c.expected().equals("none") ? Optional.empty() : Optional.of(Double.parseDouble(c.expected()));
        assertEquals(expected, Verdicts.points(c.text()), c.text());
    }

    @ParameterizedTest(name = "{0}") @MethodSource("pairwise")
    void aJudgesWholeAnswerGivesItsPreference(Case c) {
        Optional<Preference> expected = c.expected().equals("none") ? Optional.empty() : Optional.of(Preference.valueOf(c.expected()));
        assertEquals(expected, Verdicts.preference(c.text()), c.text());
    }

    @Test void theFixturesCoverEveryFormat() {
        List<Case> points = cases("pointwise.txt"), prefs = cases("pairwise.txt");
        assertEquals(21, points.size());
        assertEquals(16, prefs.size());
        assertTrue(points.stream().anyMatch(c -> c.text().isEmpty()) && prefs.stream().anyMatch(c -> c.text().isEmpty()));
        for (String v : List.of("0", "1", "2", "3", "4", "5", "3.5", "none")) assertTrue(points.stream().anyMatch(c -> c.expected().equals(v)), v);
        for (String v : List.of("A", "B", "TIE", "none")) assertTrue(prefs.stream().anyMatch(c -> c.expected().equals(v)), v);
    }

    @Test void pointsOneFormatAtATime() {
        assertEquals(Optional.of(4.0), Verdicts.points("Score: 4"));
        assertEquals(Optional.of(4.0), Verdicts.points("Score: 4/5"));
        assertEquals(Optional.of(4.0), Verdicts.points("Score: 4 out of 5"));
        assertEquals(Optional.of(4.0), Verdicts.points("**Score:** 4"));
        assertEquals(Optional.of(4.0), Verdicts.points("Score: 4 points."));
        assertEquals(Optional.of(3.0), Verdicts.points("Total score: 3"));
        assertEquals(Optional.of(4.0), Verdicts.points("I give it a score of 4."));
        assertEquals(Optional.of(4.0), Verdicts.points("My total score is 4"));
        assertEquals(Optional.of(2.0), Verdicts.points("Score: 5\nScore: 2"));
        assertEquals(Optional.of(3.0), Verdicts.points("Score: 3. A score of 5 would need sources."));   // a Score line beats prose
        assertEquals(Optional.of(0.0), Verdicts.points("Score: 0"));
        assertEquals(Optional.of(5.0), Verdicts.points("Score: 5"));
        assertEquals(Optional.of(3.5), Verdicts.points("Score: 3.5"));
        for (String s : new String[] {"Score: 7", "Score: 5.5", "Score: -1", "Score: 4/10", "Score: 4 out of 10", "Score: 5\nScore: 9",
                "I cannot rate this", "", "   ", "Score:", "Score: <total points>", "It does not deserve a score of 5 because",
                "scoring: 4", "The score"})
            assertEquals(Optional.empty(), Verdicts.points(s), s);
        assertEquals(Optional.empty(), Verdicts.points(null));
    }

    @Test void preferencesOneFormatAtATime() {
        assertEquals(Optional.of(Preference.A), Verdicts.preference("[[A]]"));
        assertEquals(Optional.of(Preference.B), Verdicts.preference("explanation... [[B]]"));
        assertEquals(Optional.of(Preference.TIE), Verdicts.preference("[[C]]"));
        assertEquals(Optional.of(Preference.B), Verdicts.preference("[[A]] at first, but [[B]]"));
        assertEquals(Optional.of(Preference.A), Verdicts.preference("Output (a)"));
        assertEquals(Optional.of(Preference.B), Verdicts.preference("Output (b)"));
        assertEquals(Optional.of(Preference.A), Verdicts.preference("Response A is better."));
        assertEquals(Optional.of(Preference.B), Verdicts.preference("Both are fine. Assistant B is slightly better overall."));
        assertEquals(Optional.of(Preference.A), Verdicts.preference("A"));
        assertEquals(Optional.of(Preference.B), Verdicts.preference("b"));
        assertEquals(Optional.of(Preference.TIE), Verdicts.preference("Tie"));
        for (String s : new String[] {"", "I cannot compare these.", "Response A is not better.", "I don't think Response A is better.",
                "Both responses are good.", "D", "[[D]]", "The response about cats is better."})
            assertEquals(Optional.empty(), Verdicts.preference(s), s);
        assertEquals(Optional.empty(), Verdicts.preference(null));
    }
}
