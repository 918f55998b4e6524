package org.jpo.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Each scorer's numbers over a round's scored samples ({@code samples.jsonl} rows): how it scored (mean, population
 * std, missing), the counts its scores carry summed (a judge's unparsed answers, votes and order flips, whose ratio is
 * its position-bias rate), and how often two scorers order a prompt's completions the same way.
 */
public final class ScorerMetrics {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private ScorerMetrics() {}

    /** {@code {"<scorer>": {scored, missing, mean, std, [mean_spread], [stats], [position_bias_rate]}, ...}}, scorers in row order. */
    public static ObjectNode of(List<ObjectNode> rows) {
        ObjectNode out = F.objectNode();
        for (String s : scorers(rows)) out.set(s, one(rows, s));
        return out;
    }

    /**
     * For every two scorers: among the pairs of one prompt's completions that both order (neither ties them, neither
     * score missing), the share they order the same way. {@code [{scorers: [a, b], pairs: n, agreement: x}]}.
     */
    public static ArrayNode agreement(List<ObjectNode> rows) {
        List<String> names = new ArrayList<>(scorers(rows));
        Map<String, List<ObjectNode>> byPrompt = new LinkedHashMap<>();
        for (ObjectNode r : rows) byPrompt.computeIfAbsent(r.path("prompt_id").asText(), k -> new ArrayList<>()).add(r);
        ArrayNode out = F.arrayNode();
        for (int a = 0; a < names.size(); a++) {
            for (int b = a + 1; b < names.size(); b++) {
                int pairs = 0, same = 0;
                for (List<ObjectNode> rs : byPrompt.values()) {
                    for (int i = 0; i < rs.size(); i++) {
                        for (int j = i + 1; j < rs.size(); j++) {
                            int x = order(rs.get(i), rs.get(j), names.get(a)), y = order(rs.get(i), rs.get(j), names.get(b));
                            if (x == 0 || y == 0) continue;
                            pairs++;
                            if (x == y) same++;
                        }
                    }
                }
                ObjectNode o = out.addObject();
                o.putArray("scorers").add(names.get(a)).add(names.get(b));
                o.put("pairs", pairs);
                if (pairs > 0) o.put("agreement", (double) same / pairs);
                else o.putNull("agreement");
            }
        }
        return out;
    }

    private static ObjectNode one(List<ObjectNode> rows, String scorer) {
        List<Double> values = new ArrayList<>(), spreads = new ArrayList<>();
        int missing = 0;
        Map<String, Double> stats = new TreeMap<>();
        for (ObjectNode r : rows) {
            JsonNode v = r.path("scores").get(scorer);
            if (v == null) continue;
            if (v.isNumber()) values.add(v.doubleValue());
            else missing++;
            JsonNode sd = r.path("stds").get(scorer);
            if (sd != null && sd.isNumber()) spreads.add(sd.doubleValue());
            r.path("stats").path(scorer).fields().forEachRemaining(e -> stats.merge(e.getKey(), e.getValue().doubleValue(), Double::sum));
        }
        ObjectNode o = F.objectNode().put("scored", values.size()).put("missing", missing);
        double mean = values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        double var = values.stream().mapToDouble(x -> (x - mean) * (x - mean)).average().orElse(Double.NaN);
        put(o, "mean", mean);
        put(o, "std", Math.sqrt(var));
        if (!spreads.isEmpty()) put(o, "mean_spread", spreads.stream().mapToDouble(Double::doubleValue).average().orElseThrow());
        if (!stats.isEmpty()) {
            ObjectNode st = o.putObject("stats");
            stats.forEach(st::put);
        }
        // a pairwise judge's comparisons and flips: the share of pairs whose verdict followed the position, not the answer
        // (an ensemble's member keeps its counts as "<member>/comparisons": its rate is "<member>/position_bias_rate")
        stats.forEach((k, n) -> {
            if (!k.endsWith("comparisons") || n <= 0) return;
            String member = k.substring(0, k.length() - "comparisons".length());
            put(o, member + "position_bias_rate", stats.getOrDefault(member + "flips", 0.0) / n);
        });
        return o;
    }

    /** +1 when scorer s puts row a above b, −1 below, 0 tied or missing. */
    private static int order(ObjectNode a, ObjectNode b, String s) {
        JsonNode x = a.path("scores").get(s), y = b.path("scores").get(s);
        if (x == null || y == null || !x.isNumber() || !y.isNumber()) return 0;
        return Integer.signum(Double.compare(x.doubleValue(), y.doubleValue()));
    }

    private static Set<String> scorers(List<ObjectNode> rows) {
        Set<String> out = new LinkedHashSet<>();
        for (ObjectNode r : rows) r.path("scores").fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static void put(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) o.put(key, v);
        else o.putNull(key);
    }
}
