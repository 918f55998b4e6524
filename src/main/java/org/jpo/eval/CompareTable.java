package org.jpo.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code jpo compare}'s terminal table: a block per eval key (its final-round rows, or every round's), then the costs.
 * Numbers have 4 significant digits, as in the reports; "—" is a value that needs more seeds (an interval needs 2).
 */
final class CompareTable {
    static final String METHOD = "95% intervals are Student t over seeds (mean ± t(0.975, n−1)·sd/√n); Δ = recipe − baseline, "
            + "paired over the seeds both ran, with the two-sided p of a paired t-test; — needs 2 seeds";

    private CompareTable() {}

    static String text(Comparison c, boolean allRounds) {
        StringBuilder b = new StringBuilder(header(c)).append('\n').append(METHOD).append('\n');
        List<Integer> rounds = new ArrayList<>(allRounds ? c.rounds : List.of());
        rounds.add(Comparison.FINAL);
        for (String key : c.keys) {
            List<List<String>> rows = new ArrayList<>();
            rows.add(List.of("round", "recipe", "seeds", "mean", "95% interval", "Δ vs " + c.baseline(), "paired", "95% interval of Δ", "p"));
            for (int round : rounds) for (Comparison.Cell cell : c.cells(key, round)) rows.add(row(round, cell));
            b.append('\n').append(key).append('\n').append(columns(rows, "llrrlrrlr"));
        }
        b.append("\ncosts, mean over each recipe's finished runs\n");
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("recipe", "runs", "seconds", "sampled tokens", "trained tokens"));
        for (Comparison.MeanCosts m : c.costs()) {
            rows.add(List.of(m.recipe(), m.n() + "", num(m.seconds()), tokens(m.sampledTokens()), tokens(m.trainedTokens())));
        }
        return b.append(columns(rows, "lrrrr")).toString();
    }

    /** "jpo compare: 3 recipes, 8 runs (1 unfinished), baseline sigmoid". */
    static String header(Comparison c) {
        int recipes = c.recipes.recipes.size(), runs = c.finishedRuns(), unfinished = c.unfinishedRuns();
        return "jpo compare: " + recipes + (recipes == 1 ? " recipe, " : " recipes, ") + runs + (runs == 1 ? " run" : " runs")
                + (unfinished > 0 ? " (" + unfinished + " unfinished, left out)" : "") + ", baseline " + c.baseline();
    }

    private static List<String> row(int round, Comparison.Cell cell) {
        Stats.Estimate e = cell.estimate();
        List<String> r = new ArrayList<>(List.of(Comparison.roundName(round), cell.recipe(), e.n() + "", num(e.mean()), interval(e.lo(), e.hi())));
        Stats.Paired d = cell.diff();
        if (d == null) r.addAll(List.of("baseline", "", "", ""));
        else r.addAll(List.of(signed(d.mean()), d.n() + "", interval(d.lo(), d.hi()), p(d.p())));
        return r;
    }

    static String num(double v) { return Double.isFinite(v) ? Html.fmt(v) : "—"; }

    static String signed(double v) { return Double.isFinite(v) && v > 0 ? "+" + num(v) : num(v); }

    static String interval(double lo, double hi) { return Double.isFinite(lo) && Double.isFinite(hi) ? "[" + num(lo) + ", " + num(hi) + "]" : "—"; }

    static String p(double p) { return p > 0 && p < 1e-4 ? "<0.0001" : num(p); }

    static String tokens(double n) { return String.format(Locale.ROOT, "%,.0f", n); }

    /** Rows as columns two spaces apart; align has an 'l' or 'r' per column. */
    static String columns(List<List<String>> rows, String align) {
        int[] width = new int[align.length()];
        for (List<String> r : rows) for (int i = 0; i < r.size(); i++) width[i] = Math.max(width[i], r.get(i).length());
        StringBuilder b = new StringBuilder();
        for (List<String> r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.size(); i++) {
                String pad = " ".repeat(width[i] - r.get(i).length());
                line.append(i == 0 ? "" : "  ").append(align.charAt(i) == 'r' ? pad + r.get(i) : r.get(i) + pad);
            }
            b.append(line.toString().stripTrailing()).append('\n');
        }
        return b.toString();
    }
}
