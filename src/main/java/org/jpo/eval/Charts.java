package org.jpo.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.io.Jsonl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The report's charts as data: each is {@code {id, title, kind, xLabel, x, series: [{label, y}]}} with every series
 * aligned to x (null = no value), which report.js hands to uPlot as is. kind is "line", "step" (a histogram) or
 * "stacked" (bars stacked per x). Everything computed (alignment, bins, phases) is computed here, so the JS stays glue.
 */
final class Charts {
    /** The eval charts: a title and the rounds.jsonl keys drawn on it. */
    static final Map<String, List<String>> EVAL = new LinkedHashMap<>();
    static {
        EVAL.put("Mean score", List.of("eval/mean_score", "eval/greedy_mean_score"));
        EVAL.put("Pass rate", List.of("eval/pass_rate", "eval/greedy_pass_rate"));
        EVAL.put("Mean length (tokens)", List.of("eval/mean_length"));
        EVAL.put("KL to the initial policy", List.of("eval/kl_to_initial"));
        EVAL.put("Win rate vs the initial policy", List.of("eval/win_rate_vs_initial"));
    }

    /** Trainer metrics drawn per round when present (TRL's names; sft logs loss only, reward logs accuracy). */
    static final List<String> TRAIN = List.of("loss", "eval_loss", "rewards/margins", "rewards/accuracies", "accuracy");

    /** Phases in the order a round runs them; rounds.jsonl may hold any subset, and other keys go after these. */
    static final List<String> PHASES = List.of("sample", "score", "reference_logps", "train", "eval");

    static final int BINS = 20;

    private Charts() {}

    static List<ObjectNode> eval(RunDir run) {
        List<ObjectNode> charts = new ArrayList<>();
        List<Integer> x = new ArrayList<>(run.rounds.keySet());
        int i = 0;
        for (var e : EVAL.entrySet()) {
            ObjectNode c = chart("eval-" + i++, e.getKey(), "line", "round", x);
            for (String key : e.getValue()) {
                List<JsonNode> y = run.rounds.values().stream().map(r -> r.get(key)).toList();
                if (y.stream().anyMatch(v -> v != null && v.isNumber())) addSeries(c, key, y);
            }
            if (!c.withArray("series").isEmpty()) charts.add(c);
        }
        return charts;
    }

    /** One chart per trainer metric, a series per round, x = the union of the rounds' steps. */
    static List<ObjectNode> train(RunDir run) {
        Map<Integer, List<ObjectNode>> logs = new TreeMap<>();
        for (int r : run.rounds.keySet()) if (r >= 1) logs.put(r, run.lines(r, "train/metrics.jsonl"));
        List<ObjectNode> charts = new ArrayList<>();
        for (String metric : TRAIN) {
            Map<Integer, Map<Double, JsonNode>> byRound = new TreeMap<>();
            TreeSet<Double> steps = new TreeSet<>();
            logs.forEach((r, lines) -> {
                Map<Double, JsonNode> points = new TreeMap<>();
                for (ObjectNode l : lines)
                    if (l.path("step").isNumber() && l.path(metric).isNumber()) points.put(l.get("step").doubleValue(), l.get(metric));
                if (!points.isEmpty()) byRound.put(r, points);
                steps.addAll(points.keySet());
            });
            if (byRound.isEmpty()) continue;
            ObjectNode c = chart("train-" + charts.size(), metric, "line", "step", new ArrayList<>(steps));
            byRound.forEach((r, points) -> addSeries(c, "round " + r, steps.stream().map(points::get).toList()));
            charts.add(c);
        }
        return charts;
    }

    /** Pair margins per round over shared bins (x = bin edges; the last point closes the last step). Null if no margins. */
    static ObjectNode margins(RunDir run) {
        Map<Integer, List<Double>> byRound = new TreeMap<>();
        for (int r : run.rounds.keySet()) {
            List<Double> m = new ArrayList<>();
            if (r >= 1) for (ObjectNode p : run.lines(r, "pairs.jsonl")) { Double v = margin(p); if (v != null) m.add(v); }
            if (!m.isEmpty()) byRound.put(r, m);
        }
        if (byRound.isEmpty()) return null;
        double lo = byRound.values().stream().flatMap(List::stream).mapToDouble(d -> d).min().orElseThrow();
        double hi = byRound.values().stream().flatMap(List::stream).mapToDouble(d -> d).max().orElseThrow();
        if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; } // 0/1 verifiers give every pair the same margin
        double width = (hi - lo) / BINS;
        List<Double> edges = new ArrayList<>();
        for (int b = 0; b <= BINS; b++) edges.add(lo + b * width);
        ObjectNode c = chart("margins", "Pair margins (chosen score - rejected score)", "step", "margin", edges);
        for (var e : byRound.entrySet()) {
            long[] counts = new long[BINS + 1]; // counts[BINS] stays 0 so the last step drops back to the axis
            for (double v : e.getValue()) counts[Math.min(BINS - 1, (int) ((v - lo) / width))]++;
            ArrayNode y = c.withArray("series").addObject().put("label", "round " + e.getKey()).putArray("y");
            for (long n : counts) y.add(n);
        }
        return c;
    }

    /** The margin a pair row records, else chosen_score - rejected_score; null for unpaired and best rows. */
    static Double margin(ObjectNode p) {
        if (p.path("margin").isNumber()) return p.get("margin").doubleValue();
        if (p.path("chosen_score").isNumber() && p.path("rejected_score").isNumber())
            return p.get("chosen_score").doubleValue() - p.get("rejected_score").doubleValue();
        return null;
    }

    /** Seconds per phase per round, stacked; null if no round recorded timings. */
    static ObjectNode timings(RunDir run) {
        List<String> phases = phases(run);
        if (phases.isEmpty()) return null;
        ObjectNode c = chart("timings", "Seconds per phase", "stacked", "round", new ArrayList<>(run.rounds.keySet()));
        for (String p : phases) addSeries(c, p, run.rounds.values().stream().map(r -> r.path("timings").get(p)).toList());
        return c;
    }

    /** The phases any round timed: the known ones in order, then the rest as first seen. */
    static List<String> phases(RunDir run) {
        var seen = new java.util.LinkedHashSet<String>();
        for (ObjectNode r : run.rounds.values()) r.path("timings").fieldNames().forEachRemaining(seen::add);
        List<String> out = new ArrayList<>(PHASES.stream().filter(seen::contains).toList());
        seen.stream().filter(p -> !PHASES.contains(p)).forEach(out::add);
        return out;
    }

    private static ObjectNode chart(String id, String title, String kind, String xLabel, List<? extends Number> x) {
        ObjectNode c = Jsonl.JSON.createObjectNode().put("id", id).put("title", title).put("kind", kind).put("xLabel", xLabel);
        ArrayNode xs = c.putArray("x");
        x.forEach(v -> xs.add(v.doubleValue()));
        c.putArray("series");
        return c;
    }

    private static void addSeries(ObjectNode chart, String label, List<JsonNode> y) {
        ArrayNode ys = chart.withArray("series").addObject().put("label", label).putArray("y");
        for (JsonNode v : y) {
            if (v != null && v.isNumber()) ys.add(v.doubleValue());
            else ys.addNull();
        }
    }
}
