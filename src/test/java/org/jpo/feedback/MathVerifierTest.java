package org.jpo.feedback;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The math verifier on hand-made answers: where the final answer is found, and exact numeric equality. */
class MathVerifierTest {
    static final MathVerifier MATH = new MathVerifier();

    static ScoreInput row(String answer) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("prompt", "q");
        if (answer != null) o.put("answer", answer);
        return new ScoreInput("q", o);
    }

    static Double score(String reference, String completion) { return MATH.verify("0", row(reference), completion).value(); }

    static void same(String reference, String completion) { assertEquals(1.0, score(reference, completion), reference + " vs " + completion); }

    static void differs(String reference, String completion) { assertEquals(0.0, score(reference, completion), reference + " vs " + completion); }

    @Test void normalisedNumbersAreEqualExactly() {
        same("1000", "The answer is 1,000.");
        same("1,000", "so 1000");
        same("5", "It costs $5.00");
        same("$5.00", "5");
        same("5.50", "5.5 dollars");
        same("0.75", "3/4");
        same("3/4", "0.75");
        same("-3", "#### -3");
        same("-3", "it drops by \u22123");
        same("+7", "7");
        same("109,200,000", "#### 109200000");
        same("0.2", "1/5");
        differs("1/3", "0.333333333333333333");   // no float tolerance
        differs("-3", "3");
        differs("1000", "100");
        differs("5", "5.01");
    }

    @Test void theFinalAnswerIsHashesThenBoxedThenTheLastNumber() {
        same("12", "\\boxed{12}");
        same("12", "first \\boxed{3}, then \\boxed{12}. 99 words later");
        same("0.5", "\\boxed{\\frac{1}{2}}");
        same("1000", "\\boxed{\\$1{,}000}");
        same("72", "24 in May, 48 in April, so 48 + 24 = 72 clips");
        differs("48", "24 in May, 48 in April, so 48 + 24 = 72 clips");
        same("72", "#### 72\nI hope 10 out of 10 agree");                 // #### wins over the last number
        same("72", "\\boxed{99} but #### 72");                          // #### wins over a box
        same("7", "5-3 is 2, and 3+4 = 7");                             // "-3" here is not minus three
        same("3", "read pages 1-3");                                    // a hyphen after a digit is no sign
        same("-2", "(-2)");
        same("4", "#### \nno number after the hashes, last is 4");      // #### without a number falls through
    }

    @Test void theReferenceMayBeAFullSolutionABareNumberOrAJsonNumber() {
        same("Natalia sold 48/2 = <<48/2=24>>24 clips in May.\n#### 72", "She sold 72.");
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("answer", 1.50);
        assertEquals(1.0, MATH.verify("0", new ScoreInput("q", o), "1.5").value());
        o.put("answer", 42);
        assertEquals(0.0, MATH.verify("0", new ScoreInput("q", o), "41").value());
    }

    @Test void noReferenceIsMissingWithAReasonAndNoAnswerIsWrong() {
        Score noField = MATH.verify("3", row(null), "42");
        assertNull(noField.value());
        assertEquals("3", noField.completionRef());
        assertEquals("the row has no 'answer' field", noField.details());
        Score noNumber = MATH.verify("0", row("unknowable"), "42");
        assertNull(noNumber.value());
        assertTrue(noNumber.details().contains("holds no number"), noNumber.details());
        Score silent = MATH.verify("0", row("42"), "I don't know.");
        assertEquals(0.0, silent.value());
        assertEquals("no number in the completion; expected 42", silent.details());
        assertEquals("answer 41 (last_number) != 42", MATH.verify("0", row("42"), "41").details());
    }

    @Test void scoresEveryCompletionInOrderWithItsPosition() {
        List<Score> s = MATH.score(row("#### 6"), List.of("6", "7", "\\boxed{6.0}"));
        assertEquals(List.of(1.0, 0.0, 1.0), s.stream().map(Score::value).toList());
        assertEquals(List.of("0", "1", "2"), s.stream().map(Score::completionRef).toList());
        assertEquals("math", s.get(0).scorer());
    }
}
