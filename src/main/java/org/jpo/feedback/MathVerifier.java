package org.jpo.feedback;

import com.fasterxml.jackson.databind.JsonNode;
import org.jpo.config.ConfigError;
import org.jpo.config.Key;
import org.jpo.config.Tag;

import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;

/**
 * {@code math}: 1.0 when the completion's final number equals the reference answer in the row's {@code answer}
 * field, 0.0 when it differs, compared exactly as rationals (so 1,000 = 1000, $5.00 = 5, 3/4 = 0.75, never a
 * floating-point tolerance).
 *
 * <p>The completion's answer is the first number after its last {@code ####} (GSM8K), else the number in its last
 * {@code \boxed{...}}, else its last number ({@link Answers#finalAnswer}). The reference is read the same way, so it
 * may be a bare number ({@code "72"}, {@code "1,000"}, {@code "3/4"}), a JSON number, or a full GSM8K solution
 * ending in {@code #### 72}.
 *
 * <p>Missing (null with the reason) when the row has no {@code answer} or the reference holds no number: the
 * prompt cannot be checked. A completion with no number at all scores 0.0, not missing: the reference exists and
 * the completion failed to give an answer, which is a wrong answer. Details say what was compared.
 */
@Tag(value = "math", doc = "1.0 when the final number equals the row's reference answer, else 0; missing without a reference.")
public record MathVerifier(
        @Key(value = "answer", doc = "The prompt row's field holding the reference answer (a number, or text ending in #### N).")
        String answerField) implements Verifier {

    public MathVerifier {
        if (answerField == null || answerField.isBlank()) throw new ConfigError("answer_field", "answer_field must name a field");
    }

    /** Reads the reference from {@code answer}. */
    public MathVerifier() { this("answer"); }

    @Override public List<String> rowFields() { return List.of(answerField); }

    @Override public String name() { return answerField.equals("answer") ? "math" : "math:" + answerField; }

    @Override public Score verify(String ref, ScoreInput input, String completion) {
        Optional<JsonNode> field = input.field(answerField);
        if (field.isEmpty()) return Score.missing(ref, name(), "the row has no '" + answerField + "' field");
        Answers.Number expected;
        JsonNode a = field.get();
        if (a.isNumber()) {
            expected = new Answers.Number(a.decimalValue(), BigDecimal.ONE);
        } else if (a.isTextual()) {
            Optional<Answers.Found> r = Answers.finalAnswer(a.textValue());
            if (r.isEmpty()) return Score.missing(ref, name(), "the reference '" + answerField + "' holds no number: " + clip(a.textValue()));
            expected = r.get().value();
        } else {
            return Score.missing(ref, name(), "'" + answerField + "' must be a number or text, got " + a.getNodeType().name().toLowerCase());
        }
        Optional<Answers.Found> got = Answers.finalAnswer(completion);
        if (got.isEmpty()) return new Score(ref, name(), 0.0, "no number in the completion; expected " + expected);
        boolean right = got.get().value().sameValue(expected);
        String how = got.get().source().name().toLowerCase();
        return new Score(ref, name(), right ? 1.0 : 0.0, "answer " + got.get().value() + " (" + how + ")" + (right ? " = " : " != ") + expected);
    }

    private static String clip(String s) { return s.length() <= 80 ? s : s.substring(0, 77) + "..."; }
}
