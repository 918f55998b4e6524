package org.jpo.eval;

import com.fasterxml.jackson.databind.JsonNode;
import org.jpo.io.RunDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What {@code jpo compare} reports: for every eval key, at every round and at each run's final round, per recipe the
 * mean over its seeds with a 95% Student t interval, and the difference to the baseline paired over the seeds both ran
 * (its interval and the paired t-test's p). Pairing by seed removes what a seed does to every recipe alike (its prompt
 * draw, its eval samples), which is often most of the spread. Costs are the mean over seeds of each run's
 * {@link Costs}.
 */
public final class Comparison {
    /** The round of the "final" rows: each run's last round (an eval-only run's round 0). */
    static final int FINAL = -1;

    /** One recipe at one key and round: each seed's value, their estimate, the paired difference (null for the baseline). */
    record Cell(String recipe, SortedMap<Long, Double> values, Stats.Estimate estimate, Stats.Paired diff) {}

    /** A recipe's costs, the mean over its n finished runs. */
    record MeanCosts(String recipe, int n, double seconds, double sampledTokens, double trainedTokens) {}

    final Recipes recipes;
    /** Eval keys with a value in some run, the report's order first. */
    final List<String> keys;
    /** Every round some run has, ascending. */
    final List<Integer> rounds;

    private Comparison(Recipes recipes) {
        this.recipes = recipes;
        var keys = new LinkedHashSet<String>();
        var rounds = new TreeSet<Integer>();
        Charts.EVAL.values().forEach(keys::addAll);
        var present = new LinkedHashSet<String>();
        for (Recipes.Recipe r : recipes.recipes) {
            for (Recipes.Run run : r.runs()) {
                rounds.addAll(run.rounds().keySet());
                run.rounds().values().forEach(line -> line.fieldNames().forEachRemaining(k -> {
                    if (k.startsWith("eval/") && finite(line.get(k)) != null) present.add(k);
                }));
            }
        }
        keys.retainAll(present);
        keys.addAll(present);
        this.keys = List.copyOf(keys);
        this.rounds = List.copyOf(rounds);
    }

    /** Groups {@code dirs} into recipes (see {@link Recipes}) and compares them to {@code baseline} (null: the default). */
    public static Comparison of(List<Path> dirs, String baseline) { return new Comparison(Recipes.of(dirs, baseline)); }

    public String baseline() { return recipes.baseline; }

    /** Unfinished runs, skipped lines and other things a reader should know; the numbers stand without them. */
    public List<String> notes() { return recipes.notes; }

    /** The terminal table: the final round of every eval key (with {@code allRounds} every round first), then costs. */
    public String table(boolean allRounds) { return CompareTable.text(this, allRounds); }

    /** Writes the self-contained compare.html to {@code file} via a temporary file and an atomic rename. */
    public void writeHtml(Path file) { RunDir.writeText(file, CompareReport.html(this)); }

    /** The recipes with a value of {@code key} at {@code round} ({@link #FINAL}: each run's last), in recipe order. */
    List<Cell> cells(String key, int round) {
        SortedMap<Long, Double> base = values(recipes.baseline(), key, round);
        List<Cell> cells = new ArrayList<>();
        for (Recipes.Recipe r : recipes.recipes) {
            SortedMap<Long, Double> v = values(r, key, round);
            if (v.isEmpty()) continue;
            Stats.Paired diff = r.name().equals(recipes.baseline) ? null : paired(v, base);
            cells.add(new Cell(r.name(), v, Stats.estimate(array(v.values())), diff));
        }
        return cells;
    }

    /** Each seed's value of {@code key} at {@code round}, for the runs that have one. */
    static SortedMap<Long, Double> values(Recipes.Recipe recipe, String key, int round) {
        SortedMap<Long, Double> out = new TreeMap<>();
        for (Recipes.Run run : recipe.runs()) {
            JsonNode line = run.rounds().get(round == FINAL ? run.lastRound() : round);
            Double v = line == null ? null : finite(line.get(key));
            if (v != null) out.put(run.seed(), v);
        }
        return out;
    }

    /** recipe − baseline over the seeds both have. */
    private static Stats.Paired paired(SortedMap<Long, Double> recipe, SortedMap<Long, Double> baseline) {
        List<Double> a = new ArrayList<>(), b = new ArrayList<>();
        recipe.forEach((seed, v) -> {
            if (baseline.containsKey(seed)) {
                a.add(v);
                b.add(baseline.get(seed));
            }
        });
        return Stats.paired(array(a), array(b));
    }

    List<MeanCosts> costs() {
        List<MeanCosts> out = new ArrayList<>();
        for (Recipes.Recipe r : recipes.recipes) {
            if (r.runs().isEmpty()) continue;
            double n = r.runs().size();
            out.add(new MeanCosts(r.name(), r.runs().size(), r.runs().stream().mapToDouble(x -> x.costs().seconds()).sum() / n,
                    r.runs().stream().mapToDouble(x -> x.costs().sampledTokens()).sum() / n,
                    r.runs().stream().mapToDouble(x -> x.costs().trainedTokens()).sum() / n));
        }
        return out;
    }

    int finishedRuns() { return recipes.recipes.stream().mapToInt(r -> r.runs().size()).sum(); }

    int unfinishedRuns() { return recipes.recipes.stream().mapToInt(r -> r.unfinished().size()).sum(); }

    private static Double finite(JsonNode v) { return v != null && v.isNumber() && Double.isFinite(v.asDouble()) ? v.asDouble() : null; }

    private static double[] array(Collection<Double> values) { return values.stream().mapToDouble(Double::doubleValue).toArray(); }

    static String roundName(int round) { return round == FINAL ? "final" : String.valueOf(round); }
}
