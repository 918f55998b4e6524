package org.jpo.tokenizer;

import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * Python's {@code str} methods on Java strings, for HF chat templates written against Python's Jinja2
 * ({@code message['content'].strip()}, {@code .startswith(...)}, {@code .split()}). Jinjava only offers a
 * string's Java methods, so {@code lstrip}, {@code startswith} and friends would fail and {@code split}
 * would take a regex; this resolver answers those calls first and leaves everything else to Jinjava's own.
 */
final class PythonStrings extends ELResolver {
    @Override public Object invoke(ELContext context, Object base, Object method, Class<?>[] types, Object[] params) {
        if (!(base instanceof String s) || !(method instanceof String name)) return null;
        Object[] args = params == null ? new Object[0] : params;
        Object result = call(s, name, args);
        if (result != null) context.setPropertyResolved(true);
        return result;
    }

    /** The method's result, or null if it is not one we provide (Jinjava then tries the Java method). */
    private static Object call(String s, String name, Object[] args) {
        return switch (name) {
            case "strip" -> strip(s, chars(args));
            case "lstrip" -> lstrip(s, chars(args));
            case "rstrip" -> rstrip(s, chars(args));
            case "startswith" -> affixes(args).stream().anyMatch(s::startsWith);
            case "endswith" -> affixes(args).stream().anyMatch(s::endsWith);
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "lower" -> s.toLowerCase(Locale.ROOT);
            case "title" -> title(s);
            case "capitalize" -> s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
            case "split" -> split(s, args);
            case "join" -> join(s, args);
            default -> null;
        };
    }

    /** strip's optional argument: the characters to remove; null means whitespace. */
    private static String chars(Object[] args) {
        return args.length == 0 || args[0] == null ? null : args[0].toString();
    }

    /**
     * Python's {@code str.isspace} for one char: Java's whitespace plus the no-break spaces (U+00A0, U+2007,
     * U+202F) and NEL (U+0085), which Python strips and splits on and Java does not.
     */
    static boolean isSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }

    private static boolean strips(String chars, char c) {
        return chars == null ? isSpace(c) : chars.indexOf(c) >= 0;
    }

    /** Python's {@code s.strip(chars)}; null chars strips whitespace. Also Jinja2's {@code trim} filter. */
    static String strip(String s, String chars) {
        return rstrip(lstrip(s, chars), chars);
    }

    private static String lstrip(String s, String chars) {
        int i = 0;
        while (i < s.length() && strips(chars, s.charAt(i))) i++;
        return s.substring(i);
    }

    private static String rstrip(String s, String chars) {
        int i = s.length();
        while (i > 0 && strips(chars, s.charAt(i - 1))) i--;
        return s.substring(0, i);
    }

    /** startswith/endswith take one string or a tuple (a list here) of them. */
    private static List<String> affixes(Object[] args) {
        if (args.length == 0) throw new IllegalArgumentException("startswith/endswith need an argument");
        if (args[0] instanceof Iterable<?> many) {
            List<String> out = new ArrayList<>();
            many.forEach(o -> out.add(String.valueOf(o)));
            return out;
        }
        return List.of(String.valueOf(args[0]));
    }

    private static String title(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean afterLetter = false;
        for (char c : s.toCharArray()) {
            out.append(afterLetter ? Character.toLowerCase(c) : Character.toUpperCase(c));
            afterLetter = Character.isLetter(c);
        }
        return out.toString();
    }

    /** Python's split: no separator splits on runs of whitespace and drops empty pieces; a separator is literal. */
    private static List<String> split(String s, Object[] args) {
        String sep = chars(args);
        int max = args.length > 1 && args[1] instanceof Number n ? n.intValue() : -1;
        if (sep == null) return splitOnSpace(s, max);
        if (sep.isEmpty()) throw new IllegalArgumentException("split: empty separator");
        List<String> out = new ArrayList<>();
        int from = 0;
        for (int at = s.indexOf(sep); at >= 0 && (max < 0 || out.size() < max); at = s.indexOf(sep, from)) {
            out.add(s.substring(from, at));
            from = at + sep.length();
        }
        out.add(s.substring(from));
        return out;
    }

    /** split() without a separator: runs of whitespace separate, none at the ends; after max splits the rest is one piece. */
    private static List<String> splitOnSpace(String s, int max) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (true) {
            while (i < s.length() && isSpace(s.charAt(i))) i++;
            if (i == s.length()) return out;
            if (out.size() == max) {
                out.add(s.substring(i));
                return out;
            }
            int start = i;
            while (i < s.length() && !isSpace(s.charAt(i))) i++;
            out.add(s.substring(start, i));
        }
    }

    private static String join(String sep, Object[] args) {
        if (args.length != 1 || !(args[0] instanceof Iterable<?> items)) throw new IllegalArgumentException("join takes one list");
        StringJoiner out = new StringJoiner(sep);
        items.forEach(o -> out.add(String.valueOf(o)));
        return out.toString();
    }

    // Property access is left to Jinjava's resolvers.
    @Override public Object getValue(ELContext context, Object base, Object property) { return null; }

    @Override public Class<?> getType(ELContext context, Object base, Object property) { return null; }

    @Override public void setValue(ELContext context, Object base, Object property, Object value) {}

    @Override public boolean isReadOnly(ELContext context, Object base, Object property) { return true; }

    @Override public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) { return null; }

    @Override public Class<?> getCommonPropertyType(ELContext context, Object base) { return null; }
}
