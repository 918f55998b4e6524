package org.jpo.train;

import java.util.function.Function;

/** A config as commented YAML: a header, then each section's keys, each under a comment saying what it means. */
final class ConfigYaml {
    private static final int WIDTH = 110;

    private ConfigYaml() {}

    static String render(String header, Function<Key, Object> value) {
        StringBuilder out = new StringBuilder();
        comment(out, "", header);
        for (ConfigKeys.Section s : ConfigKeys.SECTIONS) {
            out.append("\n# ---- ").append(s.title()).append(" ----\n");
            String block = null;
            for (Key k : s.keys()) {
                int dot = k.name.indexOf('.');
                String keyBlock = dot < 0 ? null : k.name.substring(0, dot);
                if (keyBlock != null && !keyBlock.equals(block)) out.append(keyBlock).append(":\n");
                block = keyBlock;
                String indent = keyBlock == null ? "" : "  ";
                comment(out, indent, k.doc);
                out.append(indent).append(dot < 0 ? k.name : k.name.substring(dot + 1)).append(": ")
                        .append(k.type.write(value.apply(k))).append('\n');
            }
        }
        return out.toString();
    }

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
