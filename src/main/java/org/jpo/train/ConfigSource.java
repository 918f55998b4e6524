package org.jpo.train;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.jpo.UserError;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Config values with where each came from: a YAML file's keys with their line numbers, then command-line
 * overrides {@code key=value} replacing them. Keys of a nested block ({@code simpo: {gamma: 1}}) become dotted
 * keys ({@code simpo.gamma}), the spelling overrides use too. Jackson's tree model forgets lines, so the
 * top level is read token by token.
 */
final class ConfigSource {
    private static final YAMLMapper YAML = new YAMLMapper();

    /** Where a value came from ("cfg.yaml:12" or "override 'beta=0.2'") and the directory its paths are relative to. */
    record Where(String label, Path baseDir) {}

    /** One key's value; a YAML null means "the default". */
    record Entry(String key, JsonNode value, Where where) {
        boolean isNull() { return value.isNull(); }
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final Set<String> blocks;

    private ConfigSource(Set<String> blocks) { this.blocks = blocks; }

    /** The keys of YAML text read from {@code file} (named as given in messages), relative paths against {@code baseDir}. */
    static ConfigSource parse(String file, String text, Path baseDir, Set<String> blocks) {
        ConfigSource s = new ConfigSource(blocks);
        try (JsonParser p = YAML.createParser(text)) {
            JsonToken first = p.nextToken();
            if (first == null) return s;
            if (first != JsonToken.START_OBJECT) {
                throw new UserError(file + ":" + line(p) + ": a config is a mapping of 'key: value' lines, got " + first.asString());
            }
            s.readMapping(p, "", file, baseDir);
            if (p.nextToken() != null) throw new UserError(file + ":" + line(p) + ": a config is one YAML document");
        } catch (JsonProcessingException e) {
            throw new UserError(file + ":" + e.getLocation().getLineNr() + ": not valid YAML: " + problem(e), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return s;
    }

    private void readMapping(JsonParser p, String prefix, String file, Path baseDir) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = prefix + p.currentName();
            Where where = new Where(file + ":" + line(p), baseDir);
            if (p.nextToken() == JsonToken.START_OBJECT && prefix.isEmpty() && blocks.contains(key)) {
                readMapping(p, key + ".", file, baseDir);
            } else {
                put(new Entry(key, p.readValueAsTree(), where));
            }
        }
    }

    private void put(Entry e) {
        Entry before = entries.put(e.key(), e);
        if (before != null) throw new UserError(e.where().label() + ": key '" + e.key() + "' is given twice (also at " + before.where().label() + ")");
    }

    /**
     * Applies {@code key=value} (the value parsed as YAML: a scalar, a list {@code [a, b]}, or for a block a
     * mapping {@code {gamma: 1}}), replacing the file's value; relative paths resolve against {@code baseDir}.
     */
    void override(String text, Path baseDir) {
        Where where = new Where("override '" + text + "'", baseDir);
        int eq = text.indexOf('=');
        String key = eq < 0 ? "" : text.substring(0, eq).strip();
        if (key.isEmpty()) throw new UserError(where.label() + ": expected key=value, e.g. beta=0.2 or simpo.gamma=1.0");
        JsonNode value = yamlValue(text.substring(eq + 1), where);
        if (blocks.contains(key) && value.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                replace(new Entry(key + "." + f.getKey(), f.getValue(), where));
            }
        } else {
            replace(new Entry(key, value, where));
        }
    }

    private void replace(Entry e) {
        entries.remove(e.key());  // so the override comes last, in the order keys are checked
        entries.put(e.key(), e);
    }

    private static JsonNode yamlValue(String text, Where where) {
        try {
            JsonNode n = YAML.readTree(text);
            return n == null || n.isMissingNode() ? NullNode.getInstance() : n;
        } catch (JsonProcessingException e) {
            throw new UserError(where.label() + ": not valid YAML: " + problem(e), e);
        }
    }

    Map<String, Entry> entries() { return entries; }

    private static int line(JsonParser p) { return p.currentTokenLocation().getLineNr(); }

    /** SnakeYAML's message without its echo of the source lines. */
    private static String problem(JsonProcessingException e) {
        return Arrays.stream(e.getOriginalMessage().split("\n"))
                .filter(l -> !l.isBlank() && !l.startsWith(" ")).collect(Collectors.joining("; "));
    }
}
