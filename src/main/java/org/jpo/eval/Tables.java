package org.jpo.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.jpo.eval.Html.esc;
import static org.jpo.eval.Html.fmt;
import static org.jpo.eval.Html.row;

/** The report's tables, one row per round, built from the same rounds.jsonl rows the charts draw. */
final class Tables {
    /** The pairing counts in the order pairing produces them; columns no round has are left out. */
    static final List<String> COUNTS = List.of("prompts", "samples", "scored", "missing", "pairs", "labeled", "sft_targets",
            "ties_dropped", "all_tied", "too_few", "below_margin", "below_threshold", "reversed", "uncertain");

    /** A scorer's columns: how it scored, and a judge's unparsed answers and position bias. */
    static final List<String> SCORER = List.of("scored", "missing", "mean", "std", "mean_spread", "unparsed", "position_bias_rate", "votes");

    static final int EXAMPLES = 8;

    private Tables() {}

    /** Every eval/ key any round has, the charted ones first. */
    static String eval(RunDir run) {
        var keys = new LinkedHashSet<String>();
        Charts.EVAL.values().forEach(keys::addAll);
        run.rounds.values().forEach(r -> r.fieldNames().forEachRemaining(k -> { if (k.startsWith("eval/")) keys.add(k); }));
        keys.removeIf(k -> run.rounds.values().stream().noneMatch(r -> r.has(k)));
        return perRound(run.rounds, new ArrayList<>(keys), (r, k) -> fmt(r.get(k)));
    }

    static String counts(RunDir run) {
        List<String> keys = COUNTS.stream().filter(k -> run.rounds.values().stream().anyMatch(r -> r.path("counts").has(k))).toList();
        return perRound(run.rounds.tailMap(1), keys, (r, k) -> k.equals("all_tied") ? allTied(r) : fmt(r.path("counts").get(k)));
    }

    /** The all-tied cell, highlighted and as a share of prompts: with 0/1 verifiers it is usually most of them. */
    private static String allTied(ObjectNode r) {
        JsonNode tied = r.path("counts").get("all_tied"), prompts = r.path("counts").get("prompts");
        String share = tied != null && prompts != null && prompts.asDouble() > 0
                ? " (" + Math.round(100 * tied.asDouble() / prompts.asDouble()) + "%)" : "";
        return "<td class=\"tied\">" + fmt(tied) + share + "</td>";
    }

    /** One sentence on the last round's all-tied prompts, above the counts table; empty if it has none recorded. */
    static String tiedCallout(RunDir run) {
        if (run.lastRound() < 1) return "";
        JsonNode c = run.rounds.get(run.lastRound()).path("counts");
        if (!c.has("all_tied")) return "";
        String of = c.has("prompts") ? " of " + fmt(c.get("prompts")) : "";
        return "<p class=\"callout\">Round " + run.lastRound() + ": <b>" + fmt(c.get("all_tied")) + of
                + " prompts were all-tied</b> (every completion got the same score), so they gave no pair.</p>\n";
    }

    static String timings(RunDir run) {
        List<String> phases = new ArrayList<>(Charts.phases(run));
        phases.add("total");
        return perRound(run.rounds, phases, (r, p) -> {
            JsonNode t = r.path("timings");
            if (!p.equals("total")) return fmt(t.get(p));
            double sum = 0;
            for (JsonNode v : t) sum += v.asDouble();
            return "<td><b>" + fmt(sum) + "</b></td>";
        });
    }

    /** One row per (round, scorer) from the rounds' {@code scorers}; then how often each two scorers agree. */
    static String scorers(RunDir run) {
        StringBuilder b = new StringBuilder("<div class=\"scroll\"><table class=\"num\">\n");
        List<String> head = new ArrayList<>(List.of("round", "scorer"));
        SCORER.forEach(k -> head.add(header(k)));
        b.append(row("th", head));
        run.rounds.tailMap(1).forEach((n, r) -> r.path("scorers").fields().forEachRemaining(e -> {
            List<String> cells = new ArrayList<>(List.of(String.valueOf(n), "<td class=\"name\">" + esc(e.getKey()) + "</td>"));
            for (String k : SCORER) {
                JsonNode v = e.getValue();
                cells.add(k.equals("votes") ? votes(v.path("stats")) : fmt(k.equals("unparsed") ? v.path("stats").get(k) : v.get(k)));
            }
            b.append(row("td", cells));
        }));
        b.append("</table></div>\n");
        List<String> agree = new ArrayList<>();
        run.rounds.tailMap(1).forEach((n, r) -> r.path("scorer_agreement").forEach(a -> agree.add(row("td", List.of(String.valueOf(n),
                esc(a.path("scorers").path(0).asText()) + " vs " + esc(a.path("scorers").path(1).asText()), fmt(a.get("pairs")), fmt(a.get("agreement")))))));
        if (!agree.isEmpty()) {
            b.append("<p>Agreement: the share of pairs of one prompt's completions that both scorers order, ordered the same way.</p>\n")
                    .append("<div class=\"scroll\"><table class=\"num\">\n<tr><th>round</th><th>scorers</th><th>pairs</th><th>agreement</th></tr>\n");
            agree.forEach(b::append);
            b.append("</table></div>\n");
        }
        return b.toString();
    }

    /** A pointwise judge's distribution of verdicts, e.g. {@code 0:3 1:0 2:5 …}; a dash for other scorers. */
    private static String votes(JsonNode stats) {
        List<String> out = new ArrayList<>();
        stats.fields().forEachRemaining(e -> { if (e.getKey().startsWith("votes/")) out.add(esc(e.getKey().substring(6)) + ":" + fmt(e.getValue())); });
        return out.isEmpty() ? "—" : String.join(" ", out);
    }

    private interface Cell { String of(ObjectNode round, String key); }

    private static String perRound(Map<Integer, ObjectNode> rounds, List<String> keys, Cell cell) {
        StringBuilder b = new StringBuilder("<div class=\"scroll\"><table class=\"num\">\n");
        b.append(row("th", Stream.concat(Stream.of("round"), keys.stream().map(k -> k.equals("all_tied") ? "<th class=\"tied\">all_tied</th>" : header(k))).toList()));
        rounds.forEach((n, r) -> {
            List<String> cells = new ArrayList<>(List.of(String.valueOf(n)));
            for (String k : keys) cells.add(cell.of(r, k));
            b.append(row("td", cells));
        });
        return b.append("</table></div>\n").toString();
    }

    /** A metric name that may wrap after its '/' and '_' (eval/greedy_mean_score is wider than its numbers). */
    private static String header(String key) {
        return esc(key).replace("/", "/<wbr>").replace("_", "_<wbr>");
    }

    /** Greedy completions of up to 8 eval prompts at round 0, round 1 and the last round, side by side. */
    static String examples(RunDir run) {
        List<Integer> rounds = Stream.of(0, 1, run.lastRound()).filter(run.rounds::containsKey).distinct().toList();
        Map<Integer, Map<String, ObjectNode>> byRound = new LinkedHashMap<>();
        for (int r : rounds) byRound.put(r, greedy(run.lines(r, "eval_samples.jsonl")));
        Map<String, ObjectNode> prompts = new LinkedHashMap<>();
        byRound.values().forEach(m -> m.forEach(prompts::putIfAbsent));
        if (prompts.isEmpty()) return "<p class=\"none\">No eval_samples.jsonl yet.</p>\n";
        StringBuilder b = new StringBuilder("<table class=\"examples\">\n");
        List<String> head = new ArrayList<>(List.of("prompt"));
        rounds.forEach(r -> head.add("round " + r + (r == 0 ? " (start)" : "")));
        b.append(row("th", head));
        prompts.entrySet().stream().limit(EXAMPLES).forEach(p -> {
            List<String> cells = new ArrayList<>(List.of("<td><pre>" + esc(p.getValue().path("prompt").asText()) + "</pre></td>"));
            for (int r : rounds) cells.add(completion(byRound.get(r).get(p.getKey())));
            b.append(row("td", cells));
        });
        return b.append("</table>\n").toString();
    }

    /** Each prompt's greedy row, or its first row when the run evaluated no greedy completions. */
    private static Map<String, ObjectNode> greedy(List<ObjectNode> rows) {
        Map<String, ObjectNode> out = new LinkedHashMap<>();
        for (ObjectNode s : rows) {
            String id = s.path("prompt_id").asText();
            if (!out.containsKey(id) || s.path("greedy").asBoolean() && !out.get(id).path("greedy").asBoolean()) out.put(id, s);
        }
        return out;
    }

    private static String completion(ObjectNode s) {
        if (s == null) return "<td class=\"none\">—</td>";
        JsonNode score = s.get("score");
        String scored = score != null && score.isNumber() ? "score " + fmt(score)
                : "score missing" + (s.has("missing_reason") ? ": " + esc(s.get("missing_reason").asText()) : "");
        String sample = s.path("greedy").asBoolean() ? "" : " (sample " + s.path("sample_index").asInt() + ")";
        return "<td><pre>" + esc(s.path("completion").asText()) + "</pre><span class=\"score\">" + scored + sample + "</span></td>";
    }
}
