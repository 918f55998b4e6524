package org.jpo.eval;

import java.util.ArrayList;
import java.util.List;

import static org.jpo.eval.CompareTable.interval;
import static org.jpo.eval.CompareTable.num;
import static org.jpo.eval.CompareTable.p;
import static org.jpo.eval.CompareTable.signed;
import static org.jpo.eval.CompareTable.tokens;
import static org.jpo.eval.Html.esc;
import static org.jpo.eval.Html.row;
import static org.jpo.eval.Report.none;
import static org.jpo.eval.Report.section;

/**
 * {@code compare.html}: the terminal table's numbers and their charts in one self-contained page, built like
 * report.html (uPlot, report.css, the data block and compare.js inlined; it opens offline). A difference whose 95%
 * interval excludes 0 is highlighted.
 */
final class CompareReport {
    private CompareReport() {}

    static String html(Comparison c) {
        List<CompareCharts.Chart> rounds = CompareCharts.overRounds(c), seeds = CompareCharts.seeds(c);
        List<CompareCharts.Chart> charts = new ArrayList<>(rounds);
        charts.addAll(seeds);
        return "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>jpo compare</title>\n"
                + "<style>\n" + Report.resource(Report.UPLOT + "uPlot.min.css") + "\n</style>\n<style>\n" + Report.resource("report.css")
                + Report.resource("compare.css") + "</style>\n</head>\n<body>\n" + header(c)
                + section("final", "Final round (each run's last round)", cells(c, List.of(Comparison.FINAL)))
                + section("rounds", "Over rounds: the mean over seeds and its 95% interval", divs(rounds))
                + section("seeds", "Final round: every seed", divs(seeds))
                + section("costs", "Costs, mean over each recipe's finished runs", costs(c))
                + section("all", "Every round", "<details><summary>Every round's rows</summary>\n" + cells(c, c.rounds) + "</details>\n")
                + section("runs", "Runs", runs(c))
                + "<script type=\"application/json\" id=\"data\">" + Report.json(new Data(c.baseline(), names(c), charts)) + "</script>\n"
                + Report.script(Report.resource(Report.UPLOT + "uPlot.iife.min.js")) + Report.script(Report.resource("compare.js"))
                + "</body>\n</html>\n";
    }

    /** The data block: the recipes in order, the baseline, the charts. */
    private record Data(String baseline, List<String> recipes, List<CompareCharts.Chart> charts) {}

    private static List<String> names(Comparison c) { return c.recipes.recipes.stream().map(Recipes.Recipe::name).toList(); }

    private static String header(Comparison c) {
        StringBuilder b = new StringBuilder("<header>\n<h1>jpo compare</h1>\n<p>" + esc(CompareTable.header(c)) + "</p>\n<p>"
                + esc(CompareTable.METHOD) + ". A highlighted Δ: its interval excludes 0 (better or worse, as the key reads).</p>\n");
        for (String n : c.notes()) b.append("<p class=\"note\">").append(esc(n)).append("</p>\n");
        return b.append("</header>\n").toString();
    }

    /** A row per eval key, round and recipe. */
    private static String cells(Comparison c, List<Integer> rounds) {
        StringBuilder b = new StringBuilder("<div class=\"scroll\"><table class=\"num\">\n");
        b.append(row("th", List.of("eval key", "round", "recipe", "seeds", "mean", "95% interval", "Δ vs " + esc(c.baseline()), "paired",
                "95% interval of Δ", "p")));
        for (String key : c.keys) {
            for (int round : rounds) {
                for (Comparison.Cell cell : c.cells(key, round)) {
                    Stats.Estimate e = cell.estimate();
                    List<String> cells = new ArrayList<>(List.of("<td class=\"name\">" + esc(key) + "</td>", Comparison.roundName(round),
                            "<td class=\"name\">" + esc(cell.recipe()) + "</td>", e.n() + "", num(e.mean()), interval(e.lo(), e.hi())));
                    Stats.Paired d = cell.diff();
                    if (d == null) cells.addAll(List.of("<td class=\"name\">baseline</td>", "", "", ""));
                    else cells.addAll(List.of(excludesZero(d) ? "<td class=\"sig\">" + signed(d.mean()) + "</td>" : signed(d.mean()), d.n() + "",
                            interval(d.lo(), d.hi()), p(d.p())));
                    b.append(row("td", cells));
                }
            }
        }
        return b.append("</table></div>\n").toString();
    }

    private static boolean excludesZero(Stats.Paired d) { return d.lo() > 0 || d.hi() < 0; }

    private static String costs(Comparison c) {
        StringBuilder b = new StringBuilder("<table class=\"num\">\n");
        b.append(row("th", List.of("recipe", "runs", "seconds", "sampled tokens", "trained tokens")));
        for (Comparison.MeanCosts m : c.costs()) {
            b.append(row("td", List.of("<td class=\"name\">" + esc(m.recipe()) + "</td>", m.n() + "", num(m.seconds()), tokens(m.sampledTokens()),
                    tokens(m.trainedTokens()))));
        }
        return b.append("</table>\n<p>Seconds: the phases timed in rounds.jsonl, or a sweep's sweep.json (which adds a train recipe's "
                + "training). Sampled tokens: completions of rounds ≥ 1. Trained tokens: num_tokens of the training logs.</p>\n").toString();
    }

    /** Every run compared, and every run left out unfinished, with the directory it was read from. */
    private static String runs(Comparison c) {
        StringBuilder b = new StringBuilder("<div class=\"scroll\"><table class=\"num\">\n");
        b.append(row("th", List.of("recipe", "seed", "last round", "seconds", "sampled tokens", "trained tokens", "directory")));
        for (Recipes.Recipe r : c.recipes.recipes) {
            for (Recipes.Run run : r.runs()) {
                b.append(row("td", List.of("<td class=\"name\">" + esc(r.name()) + "</td>", run.seed() + "", run.lastRound() + "", num(run.costs().seconds()),
                        tokens(run.costs().sampledTokens()), tokens(run.costs().trainedTokens()), "<td class=\"name\">" + esc(run.dir() + "") + "</td>")));
            }
            for (var d : r.unfinished()) {
                b.append(row("td", List.of("<td class=\"name\">" + esc(r.name()) + "</td>", "—", "<td class=\"none\" colspan=\"4\">not finished</td>",
                        "<td class=\"name\">" + esc(d + "") + "</td>")));
            }
        }
        return b.append("</table></div>\n").toString();
    }

    private static String divs(List<CompareCharts.Chart> charts) {
        if (charts.isEmpty()) return none("No eval keys.");
        StringBuilder b = new StringBuilder("<div class=\"charts\">");
        for (CompareCharts.Chart ch : charts) b.append("<div class=\"chart\" id=\"").append(esc(ch.id())).append("\"></div>");
        return b.append("</div>\n").toString();
    }
}
