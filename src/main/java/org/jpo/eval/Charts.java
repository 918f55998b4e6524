package org.jpo.eval;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.jpo.pairs.PairRow;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The report's charts as data, which report.js hands to uPlot as they are: every series aligned to x (null = no
 * value). kind is "line", "step" (a histogram) or "stacked" (bars stacked per x). Everything computed (alignment, bins,
 * phases) is computed here, so the JS stays glue.
 */
final class Charts {
    record Chart(String id, String title, String kind, @JsonProperty("xLabel") String xLabel, List<Double> x, List<Series> series) {}

    /** y holds a number (or null) per x: doubles, or counts for a histogram. */
    record Series(String label, List<Number> y) {}

    /** The eval charts: a title and the eval keys drawn on it. */
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

    static final int BINS = 20;

    private Charts() {}

    static List<Chart> eval(RunView run) {
        List<Chart> charts = new ArrayList<>();
        List<Double> x = rounds(run);
        int i = 0;
        for (var e : EVAL.entrySet()) {
            List<Series> series = new ArrayList<>();
            for (String key : e.getValue()) {
                List<Number> y = run.rounds.values().stream().map(r -> (Number) finite(r.eval().get(key))).toList();
                if (y.stream().anyMatch(v -> v != null)) series.add(new Series(key, y));
            }
            if (!series.isEmpty()) charts.add(new Chart("eval-" + i, e.getKey(), "line", "round", x, series));
            i++;
        }
        return charts;
    }

    /** One chart per trainer metric, a series per round, x = the union of the rounds' steps. */
    static List<Chart> train(RunView run) {
        Map<Integer, List<RunView.TrainLog>> logs = new TreeMap<>();
        for (int r : run.rounds.keySet()) if (r >= 1) logs.put(r, run.trainLog(r));
        List<Chart> charts = new ArrayList<>();
        for (String metric : TRAIN) {
            Map<Integer, Map<Double, Double>> byRound = new TreeMap<>();
            TreeSet<Double> steps = new TreeSet<>();
            logs.forEach((r, lines) -> {
                Map<Double, Double> points = new TreeMap<>();
                for (RunView.TrainLog l : lines) {
                    Double step = l.values().get("step"), v = l.values().get(metric);
                    if (step != null && v != null && Double.isFinite(v)) points.put(step, v);   // a metric with no value that step is "NaN"
                }
                if (!points.isEmpty()) byRound.put(r, points);
                steps.addAll(points.keySet());
            });
            if (byRound.isEmpty()) continue;
            List<Series> series = new ArrayList<>();
            byRound.forEach((r, points) -> series.add(new Series("round " + r, steps.stream().map(s -> (Number) points.get(s)).toList())));
            charts.add(new Chart("train-" + charts.size(), metric, "line", "step", new ArrayList<>(steps), series));
        }
        return charts;
    }

    /** Pair margins per round over shared bins (x = bin edges; the last point closes the last step). Null if no margins. */
    static Chart margins(RunView run) {
        Map<Integer, List<Double>> byRound = new TreeMap<>();
        boolean steps = false;
        for (int r : run.rounds.keySet()) {
            List<Double> m = new ArrayList<>();
            for (PairRow p : r >= 1 ? run.pairs(r) : List.<PairRow>of()) {
                if (p instanceof PairRow.Preference pref) m.add(pref.margin());
                if (p instanceof PairRow.StepPair step) m.add(step.margin());
                steps |= p instanceof PairRow.StepPair;
            }
            if (!m.isEmpty()) byRound.put(r, m);
        }
        if (byRound.isEmpty()) return null;
        double lo = byRound.values().stream().flatMap(List::stream).mapToDouble(d -> d).min().orElseThrow();
        double hi = byRound.values().stream().flatMap(List::stream).mapToDouble(d -> d).max().orElseThrow();
        if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; } // 0/1 verifiers give every pair the same margin
        double width = (hi - lo) / BINS;
        List<Double> edges = new ArrayList<>();
        for (int b = 0; b <= BINS; b++) edges.add(lo + b * width);
        List<Series> series = new ArrayList<>();
        for (var e : byRound.entrySet()) {
            Long[] counts = new Long[BINS + 1]; // counts[BINS] stays 0 so the last step drops back to the axis
            Arrays.fill(counts, 0L);
            for (double v : e.getValue()) counts[Math.min(BINS - 1, (int) ((v - lo) / width))]++;
            series.add(new Series("round " + e.getKey(), List.<Number>of(counts)));
        }
        return new Chart("margins", steps ? "Pair margins (step pairs: chosen Q - rejected Q)" : "Pair margins (chosen score - rejected score)",
                "step", "margin", edges, series);
    }

    /** Seconds per phase per round, stacked; null if no round recorded timings. */
    static Chart timings(RunView run) {
        List<String> phases = phases(run);
        if (phases.isEmpty()) return null;
        List<Series> series = new ArrayList<>();
        for (String p : phases) series.add(new Series(p, run.rounds.values().stream().map(r -> (Number) timings(r).get(p)).toList()));
        return new Chart("timings", "Seconds per phase", "stacked", "round", rounds(run), series);
    }

    /** The phases any round timed: in the order a round runs them, then unknown ones as first seen. */
    static List<String> phases(RunView run) {
        var seen = new LinkedHashSet<String>();
        for (RoundRecord r : run.rounds.values()) seen.addAll(timings(r).keySet());
        List<String> known = Arrays.stream(RoundRecord.Phase.values()).map(RoundRecord.Phase::key).toList();
        List<String> out = new ArrayList<>(known.stream().filter(seen::contains).toList());
        seen.stream().filter(p -> !known.contains(p)).forEach(out::add);
        return out;
    }

    static Map<String, Double> timings(RoundRecord r) { return r.timings() == null ? Map.of() : r.timings(); }

    private static List<Double> rounds(RunView run) { return run.rounds.keySet().stream().map(Integer::doubleValue).toList(); }

    private static Double finite(double v) { return Double.isFinite(v) ? v : null; }
}
