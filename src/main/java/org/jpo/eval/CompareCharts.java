package org.jpo.eval;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;

import static com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL;

/**
 * compare.html's charts as data, which compare.js hands to uPlot as they are (every series aligned to x, null = no
 * value), like {@link Charts} for report.html. Two kinds:
 * <ul>
 *   <li>"band": an eval key over rounds, a line per recipe (its mean over seeds) with its 95% interval as a band
 *       between lo and hi;</li>
 *   <li>"dots": an eval key's final round, every seed a dot over its recipe (x = the recipe's index, spread a little so
 *       equal values stay visible; ticks name the recipes), each recipe's mean a ring.</li>
 * </ul>
 * A series' color is its recipe's index, so a recipe has one color on every chart (-1: the means, drawn dark).
 */
final class CompareCharts {
    record Chart(String id, String title, String kind, @JsonProperty("xLabel") String xLabel, List<Double> x, List<String> ticks,
                 List<Series> series) {}

    @JsonInclude(NON_NULL)
    record Series(String label, int color, List<Double> y, List<Double> lo, List<Double> hi) {}

    /** Half the width the dots of one recipe spread over, in units of the distance between recipes. */
    static final double SPREAD = 0.25;

    private CompareCharts() {}

    static List<Chart> overRounds(Comparison c) {
        List<Double> x = c.rounds.stream().map(Integer::doubleValue).toList();
        List<Chart> charts = new ArrayList<>();
        for (String key : c.keys) {
            Map<Integer, Map<String, Stats.Estimate>> byRound = new HashMap<>();
            for (int round : c.rounds) {
                Map<String, Stats.Estimate> at = byRound.computeIfAbsent(round, k -> new HashMap<>());
                c.cells(key, round).forEach(cell -> at.put(cell.recipe(), cell.estimate()));
            }
            List<Series> series = new ArrayList<>();
            for (int i = 0; i < c.recipes.recipes.size(); i++) {
                String name = c.recipes.recipes.get(i).name();
                List<Stats.Estimate> e = c.rounds.stream().map(r -> byRound.get(r).get(name)).toList();
                if (e.stream().allMatch(v -> v == null)) continue;
                List<Double> lo = values(e, Stats.Estimate::lo), hi = values(e, Stats.Estimate::hi);
                boolean band = lo.stream().anyMatch(v -> v != null);
                series.add(new Series(name, i, values(e, Stats.Estimate::mean), band ? lo : null, band ? hi : null));
            }
            charts.add(new Chart("rounds-" + charts.size(), key + " (mean, 95% interval)", "band", "round", x, null, series));
        }
        return charts;
    }

    /** One number of each estimate, null where there is no estimate or no number (an interval of one seed). */
    private static List<Double> values(List<Stats.Estimate> estimates, ToDoubleFunction<Stats.Estimate> f) {
        return estimates.stream().map(e -> e == null || !Double.isFinite(f.applyAsDouble(e)) ? null : f.applyAsDouble(e)).toList();
    }

    static List<Chart> seeds(Comparison c) {
        List<Chart> charts = new ArrayList<>();
        for (String key : c.keys) {
            List<Comparison.Cell> cells = c.cells(key, Comparison.FINAL);
            // each value's x: recipe i's seeds spread around i, its mean at i
            List<Map<Double, Double>> points = new ArrayList<>();
            Map<Double, Double> means = new HashMap<>();
            TreeSet<Double> xs = new TreeSet<>();
            for (int i = 0; i < cells.size(); i++) {
                SortedMap<Long, Double> v = cells.get(i).values();
                Map<Double, Double> p = new HashMap<>();
                int j = 0;
                for (double value : v.values()) p.put(i + offset(j++, v.size()), value);
                points.add(p);
                means.put((double) i, cells.get(i).estimate().mean());
                xs.addAll(p.keySet());
                xs.add((double) i);
            }
            List<Series> series = new ArrayList<>();
            for (int i = 0; i < cells.size(); i++) series.add(new Series(cells.get(i).recipe(), colorOf(c, cells.get(i).recipe()), aligned(xs, points.get(i)), null, null));
            series.add(new Series("mean", -1, aligned(xs, means), null, null));
            charts.add(new Chart("seeds-" + charts.size(), key + ", final round: every seed", "dots", "recipe", new ArrayList<>(xs),
                    cells.stream().map(Comparison.Cell::recipe).toList(), series));
        }
        return charts;
    }

    /** Seed j of n, spread evenly over [−SPREAD, SPREAD] (0 for one seed). */
    static double offset(int j, int n) { return n == 1 ? 0 : -SPREAD + 2 * SPREAD * j / (n - 1); }

    private static List<Double> aligned(TreeSet<Double> xs, Map<Double, Double> values) { return xs.stream().map(values::get).toList(); }

    private static int colorOf(Comparison c, String recipe) {
        for (int i = 0; i < c.recipes.recipes.size(); i++) if (c.recipes.recipes.get(i).name().equals(recipe)) return i;
        throw new IllegalArgumentException(recipe);
    }
}
