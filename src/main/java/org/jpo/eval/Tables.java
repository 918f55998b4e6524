package org.jpo.eval;

import org.jpo.sampling.SampleRow;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.jpo.eval.Html.esc;
import static org.jpo.eval.Html.fmt;
import static org.jpo.eval.Html.row;

/** The report's tables, one row per round, built from the same rounds.jsonl rows the charts draw. */
final class Tables {
    /** A column: its header and its cell's value. */
    private record Column<T>(String name, Function<T, Object> value) {}

    /** The pairing counts, all_tied near the front (with 0/1 verifiers it is usually most of the prompts). */
    static final List<Column<RoundRecord.Counts>> COUNTS = List.of(new Column<>("prompts", RoundRecord.Counts::prompts),
            new Column<>("samples", RoundRecord.Counts::samples), new Column<>("scored", RoundRecord.Counts::scored),
            new Column<>("missing", RoundRecord.Counts::missing), new Column<>("pairs", RoundRecord.Counts::pairs),
            new Column<>("labeled", RoundRecord.Counts::labeled), new Column<>("sft_targets", RoundRecord.Counts::sftTargets),
            new Column<>("ties_dropped", RoundRecord.Counts::tiesDropped), new Column<>("all_tied", RoundRecord.Counts::allTied),
            new Column<>("too_few", RoundRecord.Counts::tooFew), new Column<>("below_margin", RoundRecord.Counts::belowMargin),
            new Column<>("below_threshold", RoundRecord.Counts::belowThreshold), new Column<>("reversed", RoundRecord.Counts::reversed),
            new Column<>("uncertain", RoundRecord.Counts::uncertain));

    /** A scorer's columns: how it scored, and a judge's unparsed answers and position bias. */
    static final List<Column<RoundRecord.ScorerStats>> SCORER = List.of(new Column<>("scored", RoundRecord.ScorerStats::scored),
            new Column<>("missing", RoundRecord.ScorerStats::missing), new Column<>("mean", RoundRecord.ScorerStats::mean),
            new Column<>("std", RoundRecord.ScorerStats::std), new Column<>("mean_spread", RoundRecord.ScorerStats::meanSpread),
            new Column<>("unparsed", s -> s.stats() == null ? null : s.stats().get("unparsed")),
            new Column<>("position_bias_rate", s -> s.positionBiasRates().get("position_bias_rate")),
            new Column<>("votes", Tables::votes));

    /** The counts' means per completion, shown only when some round's scorers have them (so older runs' reports stay as they were). */
    static final Column<RoundRecord.ScorerStats> PER_COMPLETION = new Column<>("per_completion", Tables::perCompletion);

    static final int EXAMPLES = 8;

    private Tables() {}

    /** Every eval key, the charted ones first. */
    static String eval(RunView run) {
        var keys = new LinkedHashSet<String>();
        Charts.EVAL.values().forEach(keys::addAll);
        run.rounds.values().forEach(r -> keys.addAll(r.eval().byKey().keySet()));
        return perRound(run.rounds, new ArrayList<>(keys), (r, k) -> fmt(r.eval().get(k)));
    }

    /** {@code list}'s column, shown only when some round made ranked lists (so other runs' reports stay as they were). */
    static final Column<RoundRecord.Counts> LISTS = new Column<>("lists", RoundRecord.Counts::lists);

    static String counts(RunView run) {
        List<Column<RoundRecord.Counts>> columns = new ArrayList<>(COUNTS);
        if (run.rounds.values().stream().anyMatch(r -> r.counts() != null && r.counts().lists() != null)) columns.add(5, LISTS);
        return perRound(run.rounds.tailMap(1), columns.stream().map(Column::name).toList(), (r, k) -> {
            Column<RoundRecord.Counts> col = columns.stream().filter(c -> c.name().equals(k)).findFirst().orElseThrow();
            if (r.counts() == null) return fmt(null);
            return k.equals("all_tied") ? allTied(r) : fmt(col.value().apply(r.counts()));
        });
    }

    /**
     * sampling.tree: each round's trees and the step pairs made of them: pairs per depth of the expanded node and the
     * Q-gap distribution of the kept pairs; empty when no round searched trees.
     */
    static String tree(RunView run) {
        if (run.rounds.values().stream().noneMatch(r -> r.tree() != null)) return "";
        List<String> keys = List.of("trees", "nodes", "expanded", "deepest", "evaluations", "sampled_tokens", "pairs by depth", "q_gap min",
                "q_gap p25", "q_gap median", "q_gap p75", "q_gap max", "q_gap mean");
        return "<p>Search trees: step pairs per depth of the expanded node (depth: pairs) and the distribution of their Q gaps "
                + "(chosen_q − rejected_q).</p>\n" + perRound(run.rounds.tailMap(1), keys, (r, k) -> {
            org.jpo.pairs.TreeStats t = r.tree();
            if (t == null) return fmt(null);
            org.jpo.pairs.TreeStats.Gaps g = t.qGap();
            return switch (k) {
                case "trees" -> fmt(t.trees());
                case "nodes" -> fmt(t.nodes());
                case "expanded" -> fmt(t.expanded());
                case "deepest" -> fmt(t.deepest());
                case "evaluations" -> fmt(t.evaluations());
                case "sampled_tokens" -> fmt(t.sampledTokens());
                case "pairs by depth" -> "<td class=\"name\">" + (t.pairsByDepth().isEmpty() ? "—" : String.join(" ",
                        t.pairsByDepth().entrySet().stream().map(e -> e.getKey() + ":" + e.getValue()).toList())) + "</td>";
                case "q_gap min" -> fmt(g == null ? null : g.min());
                case "q_gap p25" -> fmt(g == null ? null : g.p25());
                case "q_gap median" -> fmt(g == null ? null : g.median());
                case "q_gap p75" -> fmt(g == null ? null : g.p75());
                case "q_gap max" -> fmt(g == null ? null : g.max());
                default -> fmt(g == null ? null : g.mean());
            };
        });
    }

    /** The group rounds' advantages: how many, and their distribution (an empty string when no round has any). */
    static String advantages(RunView run) {
        if (run.rounds.tailMap(1).values().stream().noneMatch(r -> r.counts() != null && r.counts().advantages() != null)) return "";
        List<String> keys = List.of("grouped", "mean", "std", "min", "p10", "p25", "p50", "p75", "p90", "max");
        return "<p>Advantages of the samples kept (strategy group): their distribution per round.</p>\n"
                + perRound(run.rounds.tailMap(1), keys, (r, k) -> {
                    AdvantageStats a = r.counts() == null ? null : r.counts().advantages();
                    if (a == null) return fmt(null);
                    return fmt(switch (k) {
                        case "grouped" -> (Object) a.count();
                        case "mean" -> a.mean();
                        case "std" -> a.std();
                        case "min" -> a.min();
                        case "p10" -> a.p10();
                        case "p25" -> a.p25();
                        case "p50" -> a.p50();
                        case "p75" -> a.p75();
                        case "p90" -> a.p90();
                        default -> a.max();
                    });
                });
    }

    /**
     * The all-tied cell, highlighted and as a share of prompts (of expanded nodes, for search trees): with 0/1 verifiers it
     * is usually most of them.
     */
    private static String allTied(RoundRecord r) {
        RoundRecord.Counts c = r.counts();
        int of = r.tree() == null ? c.prompts() : r.tree().expanded();
        String share = of > 0 ? " (" + Math.round(100.0 * c.allTied() / of) + "%)" : "";
        return "<td class=\"tied\">" + fmt(c.allTied()) + share + "</td>";
    }

    /** One sentence on the last round's all-tied prompts, above the counts table; empty if it has none recorded. */
    static String tiedCallout(RunView run) {
        if (run.lastRound() < 1) return "";
        RoundRecord.Counts c = run.rounds.get(run.lastRound()).counts();
        if (c == null) return "";
        if (run.rounds.get(run.lastRound()).tree() != null) {
            return "<p class=\"callout\">Round " + run.lastRound() + ": <b>" + fmt(c.allTied()) + " of " + fmt(run.rounds.get(run.lastRound()).tree().expanded())
                    + " expanded nodes were all-tied</b> (every child had the same Q), so they gave no pair.</p>\n";
        }
        return "<p class=\"callout\">Round " + run.lastRound() + ": <b>" + fmt(c.allTied()) + " of " + fmt(c.prompts())
                + " prompts were all-tied</b> (every completion got the same score), so they gave no pair.</p>\n";
    }

    static String timings(RunView run) {
        List<String> phases = new ArrayList<>(Charts.phases(run));
        phases.add("total");
        return perRound(run.rounds, phases, (r, p) -> {
            Map<String, Double> t = Charts.timings(r);
            if (!p.equals("total")) return fmt(t.get(p));
            return "<td><b>" + fmt(t.values().stream().mapToDouble(Double::doubleValue).sum()) + "</b></td>";
        });
    }

    /** One row per (round, scorer) from the rounds' {@code scorers}; then how often each two scorers agree. */
    static String scorers(RunView run) {
        StringBuilder b = new StringBuilder("<div class=\"scroll\"><table class=\"num\">\n");
        List<Column<RoundRecord.ScorerStats>> columns = new ArrayList<>(SCORER);
        if (run.rounds.values().stream().anyMatch(r -> r.scorers() != null && r.scorers().values().stream().anyMatch(s -> s.statMeans() != null))) {
            columns.add(PER_COMPLETION);
        }
        List<String> head = new ArrayList<>(List.of("round", "scorer"));
        columns.forEach(c -> head.add(header(c.name())));
        b.append(row("th", head));
        run.rounds.tailMap(1).forEach((n, r) -> {
            if (r.scorers() == null) return;
            r.scorers().forEach((name, s) -> {
                List<String> cells = new ArrayList<>(List.of(String.valueOf(n), "<td class=\"name\">" + esc(name) + "</td>"));
                for (Column<RoundRecord.ScorerStats> c : columns) cells.add(c.value().apply(s) instanceof String html ? html : fmt(c.value().apply(s)));
                b.append(row("td", cells));
            });
        });
        b.append("</table></div>\n");
        List<String> agree = new ArrayList<>();
        run.rounds.tailMap(1).forEach((n, r) -> {
            if (r.scorerAgreement() != null) r.scorerAgreement().forEach(a -> agree.add(row("td", List.of(String.valueOf(n),
                    esc(a.scorers().get(0)) + " vs " + esc(a.scorers().get(1)), fmt(a.pairs()), fmt(a.agreement())))));
        });
        if (!agree.isEmpty()) {
            b.append("<p>Agreement: the share of pairs of one prompt's completions that both scorers order, ordered the same way.</p>\n")
                    .append("<div class=\"scroll\"><table class=\"num\">\n<tr><th>round</th><th>scorers</th><th>pairs</th><th>agreement</th></tr>\n");
            agree.forEach(b::append);
            b.append("</table></div>\n");
        }
        return b.toString();
    }

    /** A pointwise judge's distribution of verdicts, e.g. {@code 0:3 1:0 2:5 …}; a dash for other scorers. */
    private static String votes(RoundRecord.ScorerStats s) {
        List<String> out = new ArrayList<>();
        if (s.stats() != null) s.stats().forEach((k, v) -> { if (k.startsWith("votes/")) out.add(esc(k.substring(6)) + ":" + fmt(v)); });
        return out.isEmpty() ? "—" : String.join(" ", out);
    }

    /** Each count's mean per completion, e.g. a preference game's {@code kind_1:0.25 kind_2:0.5 …}; a dash when there are none. */
    private static String perCompletion(RoundRecord.ScorerStats s) {
        List<String> out = new ArrayList<>();
        if (s.statMeans() != null) s.statMeans().forEach((k, v) -> out.add(esc(k) + ":" + fmt(v)));
        return out.isEmpty() ? "—" : String.join(" ", out);
    }

    private static String perRound(Map<Integer, RoundRecord> rounds, List<String> keys, BiFunction<RoundRecord, String, String> cell) {
        StringBuilder b = new StringBuilder("<div class=\"scroll\"><table class=\"num\">\n");
        b.append(row("th", Stream.concat(Stream.of("round"), keys.stream().map(k -> k.equals("all_tied") ? "<th class=\"tied\">all_tied</th>" : header(k))).toList()));
        rounds.forEach((n, r) -> {
            List<String> cells = new ArrayList<>(List.of(String.valueOf(n)));
            for (String k : keys) cells.add(cell.apply(r, k));
            b.append(row("td", cells));
        });
        return b.append("</table></div>\n").toString();
    }

    /** A metric name that may wrap after its '/' and '_' (eval/greedy_mean_score is wider than its numbers). */
    private static String header(String key) {
        return esc(key).replace("/", "/<wbr>").replace("_", "_<wbr>");
    }

    /** Greedy completions of up to 8 eval prompts at round 0, round 1 and the last round, side by side. */
    static String examples(RunView run) {
        List<Integer> rounds = Stream.of(0, 1, run.lastRound()).filter(run.rounds::containsKey).distinct().toList();
        Map<Integer, Map<String, SampleRow>> byRound = new LinkedHashMap<>();
        for (int r : rounds) byRound.put(r, greedy(run.evalSamples(r)));
        Map<String, SampleRow> prompts = new LinkedHashMap<>();
        byRound.values().forEach(m -> m.forEach(prompts::putIfAbsent));
        if (prompts.isEmpty()) return "<p class=\"none\">No eval_samples.jsonl yet.</p>\n";
        StringBuilder b = new StringBuilder("<table class=\"examples\">\n");
        List<String> head = new ArrayList<>(List.of("prompt"));
        rounds.forEach(r -> head.add("round " + r + (r == 0 ? " (start)" : "")));
        b.append(row("th", head));
        prompts.entrySet().stream().limit(EXAMPLES).forEach(p -> {
            List<String> cells = new ArrayList<>(List.of("<td><pre>" + esc(p.getValue().prompt()) + "</pre></td>"));
            for (int r : rounds) cells.add(completion(byRound.get(r).get(p.getKey())));
            b.append(row("td", cells));
        });
        return b.append("</table>\n").toString();
    }

    /** Each prompt's greedy row, or its first row when the run evaluated no greedy completions. */
    private static Map<String, SampleRow> greedy(List<SampleRow> rows) {
        Map<String, SampleRow> out = new LinkedHashMap<>();
        for (SampleRow s : rows) {
            if (!out.containsKey(s.promptId()) || s.greedy() && !out.get(s.promptId()).greedy()) out.put(s.promptId(), s);
        }
        return out;
    }

    private static String completion(SampleRow s) {
        if (s == null) return "<td class=\"none\">—</td>";
        String missing = s.scoring() != null && s.scoring().missingReason() != null ? ": " + esc(s.scoring().missingReason()) : "";
        String scored = s.score() != null ? "score " + fmt(s.score()) : "score missing" + missing;
        String sample = s.greedy() ? "" : " (sample " + s.sampleIndex() + ")";
        return "<td><pre>" + esc(s.completion()) + "</pre><span class=\"score\">" + scored + sample + "</span></td>";
    }
}
