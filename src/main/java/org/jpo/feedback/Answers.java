package org.jpo.feedback;

import java.math.BigDecimal;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Final numeric answers in free text, for {@link MathVerifier}. Numbers are read exactly (no floating point):
 * thousands separators ({@code 1,000}), a {@code $} before the digits, a sign ({@code -}, {@code +} or the Unicode
 * minus), decimals ({@code 5.50}), and a simple fraction {@code a/b} without spaces; LaTeX {@code \frac{a}{b}},
 * {@code {,}} and {@code \$} inside a box.
 */
final class Answers {
    private Answers() {}

    /** A number as the exact rational {@code num / den}, {@code den > 0}. Equality is by value: 5 = 5.00 = 10/2. */
    record Number(BigDecimal num, BigDecimal den) {
        Number {
            if (den.signum() == 0) throw new IllegalArgumentException("zero denominator");
            if (den.signum() < 0) {
                num = num.negate();
                den = den.negate();
            }
        }

        boolean sameValue(Number o) { return num.multiply(o.den).compareTo(o.num.multiply(den)) == 0; }

        @Override public String toString() {
            return den.compareTo(BigDecimal.ONE) == 0 ? num.stripTrailingZeros().toPlainString()
                    : num.stripTrailingZeros().toPlainString() + "/" + den.stripTrailingZeros().toPlainString();
        }
    }

    // a sign only where it cannot be a binary minus ("5-3" is 5 and 3); digits with optional thousands groups
    private static final Pattern NUMBER = Pattern.compile(
            "(?:(?<![\\p{L}\\p{N}_)\\]}])([-+\u2212]))?\\$?((?:\\d{1,3}(?:,\\d{3})+|\\d+)(?:\\.\\d+)?|\\.\\d+)(?:/(\\d+(?:\\.\\d+)?))?(?!\\d)");
    private static final Pattern HASHES = Pattern.compile("####[ \\t]*([^\\n]*)");
    private static final Pattern FRAC = Pattern.compile("\\\\[dt]?frac\\{([^{}]*)\\}\\{([^{}]*)\\}");

    /** Where the answer was found, for the details of a score. */
    enum Source { HASHES, BOXED, LAST_NUMBER }

    record Found(Number value, Source source) {}

    /**
     * The text's final answer: the first number after the last {@code ####} (GSM8K's convention) if that line
     * has one; else the number in the last {@code \boxed{...}}; else the last number anywhere in the text.
     */
    static Optional<Found> finalAnswer(String text) {
        Matcher h = HASHES.matcher(text);
        String afterHashes = null;
        while (h.find()) afterHashes = h.group(1);
        if (afterHashes != null) {
            Optional<Number> n = first(afterHashes);
            if (n.isPresent()) return Optional.of(new Found(n.get(), Source.HASHES));
        }
        Optional<String> box = lastBoxed(text);
        if (box.isPresent()) {
            Optional<Number> n = last(unlatex(box.get()));
            if (n.isPresent()) return Optional.of(new Found(n.get(), Source.BOXED));
        }
        return last(text).map(n -> new Found(n, Source.LAST_NUMBER));
    }

    /** The content of the last {@code \boxed{...}} (or {@code \fbox}), braces balanced. */
    static Optional<String> lastBoxed(String text) {
        int at = Math.max(text.lastIndexOf("\\boxed{"), text.lastIndexOf("\\fbox{"));
        if (at < 0) return Optional.empty();
        int open = text.indexOf('{', at), depth = 0;
        for (int i = open; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '{') depth++;
            else if (c == '}' && --depth == 0) return Optional.of(text.substring(open + 1, i));
        }
        return Optional.empty();   // unclosed: no box
    }

    static Optional<Number> first(String text) {
        Matcher m = NUMBER.matcher(text);
        return m.find() ? Optional.of(number(m)) : Optional.empty();
    }

    static Optional<Number> last(String text) {
        Matcher m = NUMBER.matcher(text);
        Number n = null;
        while (m.find()) n = number(m);
        return Optional.ofNullable(n);
    }

    /** One number in a string that is nothing else (e.g. a JSON reference "1,000" or "3/4"), after trimming. */
    static Optional<Number> exactly(String text) {
        Matcher m = NUMBER.matcher(text.strip());
        return m.matches() ? Optional.of(number(m)) : Optional.empty();
    }

    private static Number number(Matcher m) {
        BigDecimal v = new BigDecimal(m.group(2).replace(",", ""));
        if (m.group(1) != null && !m.group(1).equals("+")) v = v.negate();
        BigDecimal den = m.group(3) == null ? BigDecimal.ONE : new BigDecimal(m.group(3));
        return den.signum() == 0 ? new Number(v, BigDecimal.ONE) : new Number(v, den);   // "x/0" is not a fraction: keep x
    }

    private static String unlatex(String s) {
        s = FRAC.matcher(s).replaceAll("$1/$2");
        return s.replace("{,}", ",").replace("\\$", "$").replace("\\!", "").replace("\\,", "");
    }
}
