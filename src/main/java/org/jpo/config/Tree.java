package org.jpo.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.jpo.UserError;
import org.yaml.snakeyaml.error.MarkedYAMLException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A YAML config as a tree whose every value remembers where it came from ({@code cfg.yaml:12}, or
 * {@code override 'beta=0.2'}) and the directory its relative paths resolve against. Jackson's tree model
 * forgets lines, so the file is read token by token.
 */
final class Tree {
    private static final YAMLMapper YAML = new YAMLMapper();

    /** A mapping ({@code fields}), a sequence ({@code items}) or a scalar ({@code scalar}; YAML null = the default). */
    record Node(JsonNode scalar, Map<String, Node> fields, List<Node> items, String where, Path baseDir) {
        boolean isMap() { return fields != null; }

        boolean isNull() { return scalar != null && scalar.isNull(); }

        /** The value as JSON, for messages: {@code "abc"} keeps its quotes so a string and a number look different. */
        JsonNode json() {
            if (scalar != null) return scalar;
            if (isMap()) {
                ObjectNode o = JsonNodeFactory.instance.objectNode();
                fields.forEach((k, v) -> o.set(k, v.json()));
                return o;
            }
            ArrayNode a = JsonNodeFactory.instance.arrayNode();
            items.forEach(i -> a.add(i.json()));
            return a;
        }

        static Node map(String where, Path baseDir) { return new Node(null, new LinkedHashMap<>(), null, where, baseDir); }
    }

    private Tree() {}

    /** The mapping a config file holds; {@code file} names it in messages. */
    static Node parse(String file, String text, Path baseDir) {
        try (JsonParser p = YAML.createParser(text)) {
            JsonToken first = p.nextToken();
            if (first == null) return Node.map(file, baseDir);
            if (first != JsonToken.START_OBJECT) {
                throw new UserError(file + ":" + line(p) + ": a config is a mapping of 'key: value' lines, got " + first.asString());
            }
            Node root = read(p, file, file, baseDir);
            if (p.nextToken() != null) throw new UserError(file + ":" + line(p) + ": a config is one YAML document");
            return new Node(null, root.fields(), null, file, baseDir);
        } catch (JsonProcessingException e) {
            throw new UserError(file + ":" + problemLine(e) + ": not valid YAML: " + problem(e), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The value at the parser's current token, labelled {@code where}. */
    private static Node read(JsonParser p, String file, String where, Path dir) throws IOException {
        if (p.currentToken() == JsonToken.START_OBJECT) {
            Node map = Node.map(where, dir);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName(), at = file + ":" + line(p);
                p.nextToken();
                Node before = map.fields().put(key, read(p, file, at, dir));
                if (before != null) throw new UserError(at + ": key '" + key + "' is given twice (also at " + before.where() + ")");
            }
            return map;
        }
        if (p.currentToken() == JsonToken.START_ARRAY) {
            List<Node> items = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) items.add(read(p, file, file + ":" + line(p), dir));
            return new Node(null, null, items, where, dir);
        }
        return new Node(p.readValueAsTree(), null, null, where, dir);
    }

    /**
     * Applies {@code key=value} to {@code root}: dotted keys reach into blocks, the value is YAML (a scalar, a
     * list {@code [a, b]}, or for a block a mapping {@code {gamma: 1}}, merged into it), relative paths resolve
     * against {@code baseDir}. An overridden key moves to the end, the order checks run in.
     */
    static void override(Node root, String text, Path baseDir) {
        String where = "override '" + text + "'";
        int eq = text.indexOf('=');
        String key = eq < 0 ? "" : text.substring(0, eq).strip();
        if (key.isEmpty()) throw new UserError(where + ": expected key=value, e.g. beta=0.2 or simpo.gamma=1.0");
        Node value = fromJson(yaml(text.substring(eq + 1), where), where, baseDir);
        String[] path = key.split("\\.");
        Node map = root;
        for (int i = 0; i < path.length - 1; i++) {
            Node next = map.fields().get(path[i]);
            if (next == null || !next.isMap()) map.fields().put(path[i], next = Node.map(where, baseDir));
            map = next;
        }
        String last = path[path.length - 1];
        Node old = map.fields().remove(last);
        if (old != null && old.isMap() && value.isMap()) {
            old.fields().putAll(value.fields());
            value = old;
        }
        map.fields().put(last, value);
    }

    static Node fromJson(JsonNode n, String where, Path dir) {
        if (n.isObject()) {
            Node map = Node.map(where, dir);
            n.fields().forEachRemaining(f -> map.fields().put(f.getKey(), fromJson(f.getValue(), where, dir)));
            return map;
        }
        if (n.isArray()) {
            List<Node> items = new ArrayList<>();
            n.forEach(i -> items.add(fromJson(i, where, dir)));
            return new Node(null, null, items, where, dir);
        }
        return new Node(n, null, null, where, dir);
    }

    /** A YAML value as JSON (an empty text is null: {@code key=} restores the default). */
    static JsonNode yaml(String text, String where) {
        try {
            JsonNode n = YAML.readTree(text);
            return n == null || n.isMissingNode() ? NullNode.getInstance() : n;
        } catch (JsonProcessingException e) {
            throw new UserError(where + ": not valid YAML: " + problem(e), e);
        }
    }

    private static int line(JsonParser p) { return p.currentTokenLocation().getLineNr(); }

    /** The line SnakeYAML found the problem on (a tab, say), rather than where the token around it began. */
    private static int problemLine(JsonProcessingException e) {
        if (e.getCause() instanceof MarkedYAMLException m && m.getProblemMark() != null) return m.getProblemMark().getLine() + 1;
        return e.getLocation().getLineNr();
    }

    /** SnakeYAML's message without its echo of the source lines. */
    private static String problem(JsonProcessingException e) {
        return Arrays.stream(e.getOriginalMessage().split("\n"))
                .filter(l -> !l.isBlank() && !l.startsWith(" ")).collect(Collectors.joining("; "));
    }
}
