package org.jpo.feedback;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Verdicts read from an LLM judge's free text: the points of the Self-Rewarding rubric (arXiv:2401.10020, Figure 2:
 * "Conclude with the score using the format: Score: &lt;total points&gt;") and a pairwise preference in the formats of
 * MT-Bench's judge ({@code [[A]]}, {@code [[B]]}, {@code [[C]]} for a tie; arXiv:2306.05685) and AlpacaEval's
 * ({@code Output (a)}). Empty means unparseable: the caller retries or drops that judgment, and never reads it as a
 * low score. Pure functions of the text.
 */
public final class Verdicts {
    /** Which of the two responses a pairwise judge preferred, by its position in the prompt. */
    public enum Preference { A, B, TIE }

    /** The rubric's top score: five additive points; 0 (no criterion met) is a valid score. */
    public static final int MAX_POINTS = 5;

    private Verdicts() {}

    private static final String NUMBER = "(-?\\d+(?:\\.\\d+)?)";
    /** "4/5", "4 out of 5": a scale other than 5 is not this rubric's, so it is not read as one. */
    private static final String OUT_OF = "(?:\\s*(?:/|out of)\\s*(\\d+))?";
    /** "Score: 4", "**Score:** 4", "Total score: 3", "Score: [4]": the line the rubric asks for. */
    private static final Pattern SCORE_LINE = Pattern.compile("(?i)\\bscore[\\s*_]*[:=][\\s*_]*[\\[(]?\\s*" + NUMBER + OUT_OF);
    /** "a score of 4", "my total score is 4": prose, read only when there is no Score line. */
    private static final Pattern SCORE_PROSE = Pattern.compile("(?i)\\bscore\\s+(?:of|is|would be|will be)\\s+[*_]*" + NUMBER + OUT_OF);
    /**
     * Words that make the score a sentence names a score it does not give: "it does not merit a score of 5", "to
     * reach a score of 5 it would need". An answer cut off by max_tokens often stops in such a sentence.
     */
    private static final Pattern NOT_GIVEN = Pattern.compile(
            "(?i)(?:\\b(?:not|never|no|cannot|without|short of|would need|needs?|requires?|to (?:earn|reach|get|achieve|deserve))\\b|n't\\b)");

    /**
     * The judge's total points in [0, {@link #MAX_POINTS}], from the LAST "Score:" in the text (a judge that revises
     * itself ends with its final answer), else from prose such as "a score of 4"; empty when there is none, when the
     * last one is out of range or negative, or on another scale ("8/10"). Decimals ("3.5") are kept, not rounded: the
     * rubric is additive and asks for whole points, but a judge that writes 3.5 means between 3 and 4, rounding would
     * bias the mean over k judgments, and rejecting it would waste a request.
     */
    public static Optional<Double> points(String text) {
        if (text == null) return Optional.empty();
        Matcher last = last(SCORE_LINE.matcher(text), text, false);
        if (last == null) last = last(SCORE_PROSE.matcher(text), text, true);
        if (last == null) return Optional.empty();
        if (last.group(2) != null && !last.group(2).equals(String.valueOf(MAX_POINTS))) return Optional.empty();
        double v = Double.parseDouble(last.group(1));
        return v >= 0 && v <= MAX_POINTS ? Optional.of(v) : Optional.empty();
    }

    /** [[A]], [[B]], [[C]]: MT-Bench's verdict format (the last one counts, as for scores). */
    private static final Pattern BRACKETS = Pattern.compile("\\[\\[\\s*([ABCabc])\\s*\\]\\]");
    /** A last line that is only the verdict: "A", "Output (b)", "Response B", "Verdict: A", "Tie". */
    private static final Pattern BARE = Pattern.compile(
            "(?i)(?:(?:final\\s+)?(?:verdict|answer|choice|winner)\\s*[:=]\\s*)?(?:(?:output|response|assistant|answer)\\s*)?\\(?([abc]|tie)\\)?");
    private static final String WHICH = "(?:output|response|assistant|answer)\\s*\\(?([ab])\\b\\)?";
    /** "Response A is better", "Output (b) is clearly better", "Assistant B is the better one". */
    private static final Pattern IS_BETTER = Pattern.compile(
            "(?i)\\b" + WHICH + "\\s+(?:is|was)\\s+(?:(?:clearly|slightly|much|significantly|far|somewhat|marginally|overall|the)\\s+)*better\\b");
    /** "The better response is Response A", "the better output is Output (b)". */
    private static final Pattern BETTER_IS = Pattern.compile(
            "(?i)\\b(?:better|preferred|winning|stronger)\\s+(?:one|output|response|answer|choice)\\s+(?:is|would be)\\s+" + WHICH);

    /**
     * The preferred position: MT-Bench's {@code [[A]]}/{@code [[B]]}/{@code [[C]]} (C is a tie) if present, else a last
     * line that is only a verdict ({@code A}, {@code Output (b)}, {@code Tie}), else the last "Response A is better" or
     * "the better response is B" that is not negated; empty otherwise (refusals, "both are good", a cut-off answer).
     */
    public static Optional<Preference> preference(String text) {
        if (text == null) return Optional.empty();
        Matcher m = last(BRACKETS.matcher(text), text, false);
        if (m != null) return Optional.of(letter(m.group(1)));
        Matcher bare = BARE.matcher(lastLine(text));
        if (bare.matches()) return Optional.of(letter(bare.group(1)));
        m = last(IS_BETTER.matcher(text), text, true);
        if (m == null) m = last(BETTER_IS.matcher(text), text, true);
        return m == null ? Optional.empty() : Optional.of(letter(m.group(1)));
    }

    private static Preference letter(String s) {
        return switch (s.toLowerCase()) {
            case "a" -> Preference.A;
            case "b" -> Preference.B;
            default -> Preference.TIE;   // "c" (MT-Bench's tie) or "tie"
        };
    }

    /** The last match, skipping (when {@code affirmed}) those whose sentence negates them; null if none. */
    private static Matcher last(Matcher m, String text, boolean affirmed) {
        int at = -1;
        while (m.find()) if (!affirmed || !NOT_GIVEN.matcher(sentenceBefore(text, m.start())).find()) at = m.start();
        return at >= 0 && m.find(at) ? m : null;
    }

    /** The text from the start of the sentence holding {@code end} up to it. */
    private static String sentenceBefore(String text, int end) {
        int start = end;
        while (start > 0 && ".!?\n".indexOf(text.charAt(start - 1)) < 0) start--;
        return text.substring(start, end);
    }

    /** The last non-blank line without markdown emphasis, heading marks or a final period. */
    private static String lastLine(String text) {
        String[] lines = text.strip().split("\n");
        return lines[lines.length - 1].replaceAll("[*_#`>]", "").strip().replaceAll("[.!]+$", "").strip();
    }
}
