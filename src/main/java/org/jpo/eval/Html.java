package org.jpo.eval;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;

/** Escaping and number formatting for the report; every piece of run text goes through {@link #esc}. */
final class Html {
    private Html() {}

    /** Text safe in element content and in quoted attributes (completions hold {@code < & "} and worse). */
    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /** A value for a table cell: integers as is, other numbers to 4 significant digits, absent (null, NaN) as a dash. */
    static String fmt(Object v) {
        if (v == null || v instanceof Double d && !Double.isFinite(d)) return "—";
        if (v instanceof Integer || v instanceof Long) return v.toString();
        if (v instanceof Number n) return fmt(n.doubleValue());
        return esc(v.toString());
    }

    static String fmt(double v) {
        if (!Double.isFinite(v)) return String.valueOf(v);
        return new BigDecimal(v).round(new MathContext(4)).stripTrailingZeros().toPlainString();
    }

    /** A table row; cells are HTML already (escaped by the caller). */
    static String row(String tag, List<String> cells) {
        StringBuilder b = new StringBuilder("<tr>");
        for (String c : cells) b.append(c.startsWith("<" + tag) ? c : "<" + tag + ">" + c + "</" + tag + ">");
        return b.append("</tr>\n").toString();
    }
}
