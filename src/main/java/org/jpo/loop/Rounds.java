package org.jpo.loop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.PrintStream;
import java.util.List;
import java.util.Optional;

/** What rounds.jsonl's lines tell: the per-round table on the terminal, the best round, whether to stop early. */
final class Rounds {
    private Rounds() {}

    private static final String[][] COLUMNS = {
            {"score", "eval/mean_score"}, {"pass", "eval/pass_rate"}, {"greedy", "eval/greedy_mean_score"}, {"g.pass", "eval/greedy_pass_rate"},
            {"length", "eval/mean_length"}, {"KL", "eval/kl_to_initial"}, {"win", "eval/win_rate_vs_initial"}};

    /** The table of every round so far. */
    static void print(List<ObjectNode> rounds, PrintStream out) {
        StringBuilder b = new StringBuilder(String.format("%5s", "round"));
        for (String[] col : COLUMNS) b.append(String.format(" %7s", col[0]));
        b.append(String.format(" %6s %8s %8s", "pairs", "all-tied", "seconds"));
        out.println(b);
        for (ObjectNode r : rounds) {
            StringBuilder line = new StringBuilder(String.format("%5d", r.get("round").intValue()));
            for (String[] col : COLUMNS) line.append(String.format(" %7s", num(r.path(col[1]))));
            JsonNode counts = r.path("counts");
            line.append(String.format(" %6s %8s %8.1f", counts.path("pairs").isMissingNode() ? "-" : counts.path("pairs").asText(),
                    counts.path("all_tied").isMissingNode() ? "-" : counts.path("all_tied").asText(), seconds(r.path("timings"))));
            out.println(line);
        }
        out.flush();
    }

    /** Whether the metric's best round (round 0 included) is {@code patience} or more rounds back; never with patience 0. */
    static boolean patienceRanOut(List<ObjectNode> done, int patience, String metric) {
        if (patience == 0 || done.isEmpty()) return false;
        int last = done.get(done.size() - 1).get("round").intValue();
        return last - best(done, metric).orElse(0) >= patience;
    }

    /** The trained round with the highest metric, if one beats the starting policy (the first of equals). */
    static Optional<Integer> best(List<ObjectNode> done, String metric) {
        Optional<Integer> best = Optional.empty();
        double top = Double.NEGATIVE_INFINITY;
        for (ObjectNode l : done) {
            if (l.path(metric).isNumber() && l.get(metric).doubleValue() > top) {
                top = l.get(metric).doubleValue();
                best = Optional.of(l.get("round").intValue());
            }
        }
        return best.filter(r -> r > 0);
    }

    private static String num(JsonNode v) { return v.isNumber() ? String.format("%.3f", v.doubleValue()) : "-"; }

    private static double seconds(JsonNode timings) {
        double s = 0;
        for (JsonNode t : timings) s += t.asDouble();
        return s;
    }
}
