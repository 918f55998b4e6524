package org.jpo.loop;

import org.jpo.eval.RoundRecord;

import java.io.PrintStream;
import java.util.List;
import java.util.Optional;

/** What rounds.jsonl's lines tell: the per-round table on the terminal, the best round, whether to stop early. */
final class Rounds {
    private Rounds() {}

    private static final String[][] COLUMNS = {
            {"score", "eval/mean_score"}, {"pass", "eval/pass_rate"}, {"greedy", "eval/greedy_mean_score"}, {"g.pass", "eval/greedy_pass_rate"},
            {"length", "eval/mean_length"}, {"KL", "eval/kl_to_initial"}, {"win", "eval/win_rate_vs_initial"}};

    /** The table of every round so far; its pairs column holds a group round's samples kept and a list round's lists. */
    static void print(List<RoundRecord> rounds, PrintStream out) {
        StringBuilder b = new StringBuilder(String.format("%5s", "round"));
        for (String[] col : COLUMNS) b.append(String.format(" %7s", col[0]));
        b.append(String.format(" %6s %8s %8s", "pairs", "all-tied", "seconds"));
        out.println(b);
        for (RoundRecord r : rounds) {
            StringBuilder line = new StringBuilder(String.format("%5d", r.round()));
            for (String[] col : COLUMNS) line.append(String.format(" %7s", num(r.eval().get(col[1]))));
            RoundRecord.Counts c = r.counts();
            line.append(String.format(" %6s %8s %8.1f", c == null ? "-" : c.grouped() != null ? c.grouped() : c.lists() != null ? c.lists() : c.pairs(), c == null ? "-" : c.allTied(),
                    r.timings() == null ? 0 : r.timings().values().stream().mapToDouble(Double::doubleValue).sum()));
            out.println(line);
        }
        out.flush();
    }

    /** Whether the metric's best round (round 0 included) is {@code patience} or more rounds back; never with patience 0. */
    static boolean patienceRanOut(List<RoundRecord> done, int patience, String metric) {
        if (patience == 0 || done.isEmpty()) return false;
        int last = done.get(done.size() - 1).round();
        return last - best(done, metric).orElse(0) >= patience;
    }

    /** The trained round with the highest metric, if one beats the starting policy (the first of equals). */
    static Optional<Integer> best(List<RoundRecord> done, String metric) {
        Optional<Integer> best = Optional.empty();
        double top = Double.NEGATIVE_INFINITY;
        for (RoundRecord l : done) {
            double v = l.eval().get(metric);   // NaN when missing: never the best
            if (v > top) {
                top = v;
                best = Optional.of(l.round());
            }
        }
        return best.filter(r -> r > 0);
    }

    private static String num(double v) { return Double.isFinite(v) ? String.format("%.3f", v) : "-"; }
}
