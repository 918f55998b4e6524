package org.jpo.eval;

import org.jpo.sampling.SampleRow;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Each scorer's numbers over a round's scored samples: how it scored (mean, population std, missing), the counts its
 * scores carry summed (a judge's unparsed answers, votes and order flips, whose ratio is its position-bias rate) and
 * per completion (a preference game's one-hot {@code kind_k}: the samples' kind distribution), and how often two
 * scorers order a prompt's completions the same way.
 */
public final class ScorerMetrics {
    private ScorerMetrics() {}

    /** Each scorer's numbers, scorers in row order. */
    public static Map<String, RoundRecord.ScorerStats> of(List<SampleRow> rows) {
        Map<String, RoundRecord.ScorerStats> out = new LinkedHashMap<>();
        for (String s : scorers(rows)) out.put(s, one(rows, s));
        return out;
    }

    /**
     * For every two scorers: among the pairs of one prompt's completions that both order (neither ties them, neither
     * score missing), the share they order the same way.
     */
    public static List<RoundRecord.Agreement> agreement(List<SampleRow> rows) {
        List<String> names = new ArrayList<>(scorers(rows));
        Map<String, List<SampleRow>> byPrompt = new LinkedHashMap<>();
        for (SampleRow r : rows) byPrompt.computeIfAbsent(r.promptId(), k -> new ArrayList<>()).add(r);
        List<RoundRecord.Agreement> out = new ArrayList<>();
        for (int a = 0; a < names.size(); a++) {
            for (int b = a + 1; b < names.size(); b++) {
                int pairs = 0, same = 0;
                for (List<SampleRow> rs : byPrompt.values()) {
                    for (int i = 0; i < rs.size(); i++) {
                        for (int j = i + 1; j < rs.size(); j++) {
                            int x = order(rs.get(i), rs.get(j), names.get(a)), y = order(rs.get(i), rs.get(j), names.get(b));
                            if (x == 0 || y == 0) continue;
                            pairs++;
                            if (x == y) same++;
                        }
                    }
                }
                out.add(new RoundRecord.Agreement(List.of(names.get(a), names.get(b)), pairs, pairs > 0 ? (double) same / pairs : null));
            }
        }
        return out;
    }

    private static RoundRecord.ScorerStats one(List<SampleRow> rows, String scorer) {
        List<Double> values = new ArrayList<>(), spreads = new ArrayList<>();
        int missing = 0;
        Map<String, Double> stats = new TreeMap<>();
        for (SampleRow r : rows) {
            SampleRow.Scoring s = r.scoring();
            if (s == null || !s.scores().containsKey(scorer)) continue;
            Double v = s.scores().get(scorer);
            if (v != null) values.add(v);
            else missing++;
            if (s.stds() != null && s.stds().get(scorer) != null) spreads.add(s.stds().get(scorer));
            if (s.stats() != null && s.stats().get(scorer) != null) s.stats().get(scorer).forEach((k, n) -> stats.merge(k, n, Double::sum));
        }
        Map<String, Double> means = new TreeMap<>();
        int rated = values.size() + missing;   // a missing score carries its counts too
        stats.forEach((k, n) -> means.put(k, n / rated));
        double mean = values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        double var = values.stream().mapToDouble(x -> (x - mean) * (x - mean)).average().orElse(Double.NaN);
        Double spread = spreads.isEmpty() ? null : spreads.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        // a pairwise judge's comparisons and flips: the share of pairs whose verdict followed the position, not the answer
        // (an ensemble's member keeps its counts as "<member>/comparisons": its rate is "<member>/position_bias_rate")
        Map<String, Double> rates = new LinkedHashMap<>();
        stats.forEach((k, n) -> {
            if (!k.endsWith("comparisons") || n <= 0) return;
            String member = k.substring(0, k.length() - "comparisons".length());
            rates.put(member + "position_bias_rate", finite(stats.getOrDefault(member + "flips", 0.0) / n));
        });
        return new RoundRecord.ScorerStats(values.size(), missing, finite(mean), finite(Math.sqrt(var)), spread,
                stats.isEmpty() ? null : stats, means.isEmpty() ? null : means, rates);
    }

    /** +1 when scorer s puts row a above b, −1 below, 0 tied or missing. */
    private static int order(SampleRow a, SampleRow b, String s) {
        Double x = value(a, s), y = value(b, s);
        return x == null || y == null ? 0 : Integer.signum(Double.compare(x, y));
    }

    private static Double value(SampleRow r, String scorer) { return r.scoring() == null ? null : r.scoring().scores().get(scorer); }

    private static Set<String> scorers(List<SampleRow> rows) {
        Set<String> out = new LinkedHashSet<>();
        for (SampleRow r : rows) if (r.scoring() != null) out.addAll(r.scoring().scores().keySet());
        return out;
    }

    private static Double finite(double v) { return Double.isFinite(v) ? v : null; }
}
