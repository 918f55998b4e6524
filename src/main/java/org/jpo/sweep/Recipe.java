package org.jpo.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import org.jpo.UserError;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One recipe of a sweep: overrides of the base {@code jpo run} config, or a {@code jpo train} control evaluated by an
 * eval-only run. Overrides are jpo run's {@code key=value} arguments; each value is written as JSON, which YAML reads
 * back unchanged ({@code [sigmoid, sft]}, {@code "best"}, {@code 1.0}).
 */
sealed interface Recipe {
    String name();

    /** @param overrides key=value, {@code ${seed}} not yet replaced */
    record Loop(String name, List<String> overrides) implements Recipe {}

    /** @param config the jpo train config ({@code ${seed}} not yet replaced); overrides its keys, likewise */
    record Train(String name, String config, List<String> overrides) implements Recipe {}

    static Recipe of(String name, JsonNode node, Path sweepDir) {
        JsonNode command = node.path("command");
        if (command.isMissingNode()) return new Loop(name, overrides(node, List.of()));
        if (!command.asText().equals("train")) {
            throw new UserError("recipe " + name + ": command: expected train (a jpo train control), got " + command);
        }
        if (!node.path("config").isTextual()) throw new UserError("recipe " + name + ": command train needs config: a jpo train config file");
        String config = sweepDir.resolve(node.get("config").asText()).normalize().toString();
        return new Train(name, config, overrides(node, List.of("command", "config")));
    }

    /** The node's keys but {@code skip} as key=value arguments. */
    static List<String> overrides(JsonNode node, List<String> skip) {
        List<String> out = new ArrayList<>();
        for (var e : (Iterable<Map.Entry<String, JsonNode>>) node::fields) {
            if (!skip.contains(e.getKey())) out.add(e.getKey() + "=" + e.getValue());
        }
        return out;
    }

    /** {@code ${seed}} replaced by the run's seed. */
    static String seeded(String s, long seed) { return s.replace("${seed}", Long.toString(seed)); }

    static List<String> seeded(List<String> overrides, long seed) { return overrides.stream().map(o -> seeded(o, seed)).toList(); }
}
