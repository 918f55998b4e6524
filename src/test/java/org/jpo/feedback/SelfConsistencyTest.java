package org.jpo.feedback;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/** Votes counted by hand: a completion's score is its answer's votes over the prompt's completions. */
class SelfConsistencyTest {
    private static final ScoreInput INPUT = new ScoreInput("17+25+8=", org.jpo.io.Jsonl.JSON.createObjectNode());

    private static List<Double> values(SelfConsistency s, String... completions) {
        return s.score(INPUT, Arrays.asList(completions)).stream().map(Score::value).toList();
    }

    @Test void mathVotesByValue() {
        var s = new SelfConsistency(SelfConsistency.Extract.MATH, Optional.empty());
        // answers 50, 50 (50.0 is the same value), 49, none, 50 (the last number), 49: votes 3, 3, 2, -, 3, 2 of 6
        List<Double> v = values(s, "17+25=42\n42+8=50", "50.0", "#### 49", "I do not know", "42 then 50", "49");
        assertEquals(Arrays.asList(0.5, 0.5, 2 / 6.0, null, 0.5, 2 / 6.0), v);
        Score missing = s.score(INPUT, List.of("no number", "7")).get(0);
        assertNull(missing.value());
        assertEquals("no answer to extract (math)", missing.details());
        assertEquals("answer 50: 3 of 6 votes", s.score(INPUT, List.of("50", "50", "49", "", "50", "1")).get(0).details());
    }

    @Test void regexTakesTheLastMatchsGroupAndExactTheTrimmedText() {
        var r = new SelfConsistency(SelfConsistency.Extract.REGEX, Optional.of("answer: (\\w+)"));
        // "answer: b" last in the first: b; then b, c, none
        assertEquals(Arrays.asList(2 / 4.0, 2 / 4.0, 1 / 4.0, null), values(r, "answer: a ... answer: b", "answer: b", "answer: c", "b"));
        var e = new SelfConsistency(SelfConsistency.Extract.EXACT, Optional.empty());
        assertEquals(Arrays.asList(2 / 3.0, 2 / 3.0, null), values(e, " 50\n", "50", "  "));
    }

    @Test void aSingleCompletionAgreesWithItself() {
        var s = new SelfConsistency(SelfConsistency.Extract.MATH, Optional.empty());
        assertEquals(List.of(1.0), values(s, "8"));
    }
}
