package org.jpo.config;

import com.fasterxml.jackson.databind.node.TextNode;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** A config record as commented YAML: each key under a comment saying what it means, inline groups under a title. */
final class Yaml {
    private static final int WIDTH = 110;

    private Yaml() {}

    /** {@code config}'s values, or with {@code config == null} each key's default as its {@link Key} writes it. */
    static String render(String header, Class<?> type, Object config) {
        StringBuilder out = new StringBuilder();
        comment(out, "", header);
        keys(out, type, config, "");
        return out.toString();
    }

    private static void keys(StringBuilder out, Class<?> type, Object config, String indent) {
        for (RecordComponent rc : type.getRecordComponents()) {
            Object value = config == null ? null : Binder.get(rc, config);
            Inline inline = rc.getAnnotation(Inline.class);
            if (inline != null) {
                if (!inline.value().isEmpty()) out.append("\n# ---- ").append(inline.value()).append(" ----\n");
                if (!Tags.isTagged(rc)) keys(out, rc.getType(), value, indent);
                else if (config != null) keys(out.append(indent).append("type: ").append(Tags.tag(value)).append('\n'), value.getClass(), value, indent);
                else types(out, inline.value(), rc.getType(), indent + "#");
                continue;
            }
            Key k = rc.getAnnotation(Key.class);
            if (!k.section().isEmpty()) out.append("\n# ---- ").append(k.section()).append(" ----\n");
            comment(out, indent, k.doc());
            out.append(indent).append(Binder.snake(rc.getName())).append(':');
            if (Binder.isBlock(rc.getType())) {
                out.append('\n');
                keys(out, rc.getType(), value, indent + "  ");
            } else if (config != null && records(rc) != null && value instanceof List<?> l && !l.isEmpty()) {
                out.append('\n');   // one item a line, so that a diff of two resolved configs shows the item changed
                for (Object item : l) out.append(indent).append("  - ").append(write(item)).append('\n');
            } else {
                out.append(' ').append(config == null ? k.value() : write(value)).append('\n');
                if (config == null && records(rc) != null) example(out, records(rc), indent + "#", rc.getType() == List.class);
            }
        }
    }

    /** A value as YAML that reads back to an equal value: numbers exactly, strings and paths quoted. */
    static String write(Object v) {
        if (v == null) return "null";
        if (v instanceof Optional<?> o) return o.map(Yaml::write).orElse("null");
        if (v instanceof com.fasterxml.jackson.databind.JsonNode j) return j.toString();   // JSON is YAML's flow style
        if (v instanceof List<?> l) return l.stream().map(Yaml::write).collect(Collectors.joining(", ", "[", "]"));
        if (v instanceof Record r && Binder.isBlock(r.getClass())) return flow(r);   // a record in a list; parse-types are text
        if (v instanceof Double d) return Double.toString(d).replace('E', 'e');
        if (v instanceof Enum<?> e) return name(e);
        if (v instanceof Number || v instanceof Boolean) return v.toString();
        return new TextNode(v instanceof Path p ? p.toString() : v.toString()).toString();
    }

    /** A record as a YAML flow mapping, tagged groups first: their type says what the other keys mean. */
    private static String flow(Record r) {
        List<String> tagged = new ArrayList<>(), plain = new ArrayList<>();
        for (RecordComponent rc : r.getClass().getRecordComponents()) {
            Object value = Binder.get(rc, r);
            if (Tags.isTagged(rc)) {
                tagged.add("type: " + Tags.tag(value));
                tagged.add(entries(flow((Record) value)));
            } else if (rc.isAnnotationPresent(Inline.class)) {
                plain.add(entries(flow((Record) value)));
            } else {
                plain.add(Binder.snake(rc.getName()) + ": " + write(value));
            }
        }
        tagged.addAll(plain);
        return tagged.stream().filter(e -> !e.isEmpty()).collect(Collectors.joining(", ", "{", "}"));
    }

    private static String entries(String flow) { return flow.substring(1, flow.length() - 1); }

    /** The record type of a list-of-records key (or an optional record's, a block that may be absent), else null. */
    private static Class<?> records(RecordComponent rc) {
        if (rc.getType() != List.class && rc.getType() != Optional.class || !(rc.getGenericType() instanceof ParameterizedType p)) return null;
        return p.getActualTypeArguments()[0] instanceof Class<?> c && Binder.isBlock(c) ? c : null;
    }

    /** For {@code --print-defaults} of a list of records: what one item may say, as comments. */
    private static void example(StringBuilder out, Class<?> item, String prefix, boolean list) {
        lines(out, prefix, list ? "Each item is a mapping with these keys:" : "When set, a mapping with these keys:");
        for (RecordComponent rc : item.getRecordComponents()) {
            Inline inline = rc.getAnnotation(Inline.class);
            if (inline != null && Tags.isTagged(rc)) types(out, inline.value(), rc.getType(), prefix + "  ");
            else if (inline == null) doc(out, rc, prefix + "  ");
        }
    }

    /** The types a tagged group may name, each as an example item with its defaults and its keys' meanings. */
    private static void types(StringBuilder out, String title, Class<?> sealed, String prefix) {
        Map<String, Class<?>> variants = Tags.variants(sealed);
        lines(out, prefix, "type: the " + title.toLowerCase() + ", one of " + String.join(", ", variants.keySet()) + ":");
        variants.forEach((tag, c) -> {
            StringBuilder entry = new StringBuilder("- {type: " + tag);
            for (RecordComponent rc : c.getRecordComponents()) {
                entry.append(", ").append(Binder.snake(rc.getName())).append(": ").append(rc.getAnnotation(Key.class).value());
            }
            lines(out, prefix, entry.append('}').toString());
            String what = c.getAnnotation(Tag.class).doc();
            if (!what.isEmpty()) lines(out, prefix + "    ", what);
            for (RecordComponent rc : c.getRecordComponents()) doc(out, rc, prefix + "    ");
        });
    }

    private static void doc(StringBuilder out, RecordComponent rc, String prefix) {
        Key k = rc.getAnnotation(Key.class);
        lines(out, prefix, Binder.snake(rc.getName()) + (k.required() ? " (required): " : " (default " + k.value() + "): ") + k.doc());
    }

    /** An enum constant's name in a config file: {@code CONSTANT_WITH_WARMUP} is {@code constant_with_warmup}. */
    static String name(Enum<?> e) { return e.name().toLowerCase(); }

    /** {@code text} as '#' lines of at most {@link #WIDTH} columns, breaking at spaces. */
    private static void comment(StringBuilder out, String indent, String text) { lines(out, indent + "#", text); }

    /** {@code text} as lines starting with {@code prefix} and a space, of at most {@link #WIDTH} columns. */
    private static void lines(StringBuilder out, String prefix, String text) {
        for (String paragraph : text.split("\n")) {
            StringBuilder line = new StringBuilder(prefix);
            for (String word : paragraph.split(" ")) {
                if (line.length() + 1 + word.length() > WIDTH && line.length() > prefix.length()) {
                    out.append(line).append('\n');
                    line = new StringBuilder(prefix);
                }
                line.append(' ').append(word);
            }
            out.append(line).append('\n');
        }
    }
}
