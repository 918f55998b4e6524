package org.jpo.config;

import com.fasterxml.jackson.databind.node.TextNode;

import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.List;
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
                out.append("\n# ---- ").append(inline.value()).append(" ----\n");
                keys(out, rc.getType(), value, indent);
                continue;
            }
            Key k = rc.getAnnotation(Key.class);
            if (!k.section().isEmpty()) out.append("\n# ---- ").append(k.section()).append(" ----\n");
            comment(out, indent, k.doc());
            out.append(indent).append(Binder.snake(rc.getName())).append(':');
            if (Binder.isBlock(rc.getType())) {
                out.append('\n');
                keys(out, rc.getType(), value, indent + "  ");
            } else {
                out.append(' ').append(config == null ? k.value() : write(value)).append('\n');
            }
        }
    }

    /** A value as YAML that reads back to an equal value: numbers exactly, strings and paths quoted. */
    static String write(Object v) {
        if (v == null) return "null";
        if (v instanceof Optional<?> o) return o.map(Yaml::write).orElse("null");
        if (v instanceof List<?> l) return l.stream().map(Yaml::write).collect(Collectors.joining(", ", "[", "]"));
        if (v instanceof Double d) return Double.toString(d).replace('E', 'e');
        if (v instanceof Enum<?> e) return name(e);
        if (v instanceof Number || v instanceof Boolean) return v.toString();
        return new TextNode(v instanceof Path p ? p.toString() : v.toString()).toString();
    }

    /** An enum constant's name in a config file: {@code CONSTANT_WITH_WARMUP} is {@code constant_with_warmup}. */
    static String name(Enum<?> e) { return e.name().toLowerCase(); }

    /** {@code text} as '#' lines of at most {@link #WIDTH} columns, breaking at spaces. */
    private static void comment(StringBuilder out, String indent, String text) {
        for (String paragraph : text.split("\n")) {
            StringBuilder line = new StringBuilder(indent + "#");
            for (String word : paragraph.split(" ")) {
                if (line.length() + 1 + word.length() > WIDTH && line.length() > indent.length() + 1) {
                    out.append(line).append('\n');
                    line = new StringBuilder(indent + "#");
                }
                line.append(' ').append(word);
            }
            out.append(line).append('\n');
        }
    }
}
