package org.jpo.feedback;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A pairwise scorer's table of P(i ≻ j) → one {@link Score} per completion: its {@link Score#winProbs} (row i, null on
 * the diagonal and where a pair is unknown) and, as its value, their mean over the known pairs — the estimate of
 * P(y ≻ π | x) against the policy's other samples that SPPO (arXiv:2405.00675) trains on — with their population std.
 */
final class PairwiseScores {
    private PairwiseScores() {}

    /**
     * @param p          P(i ≻ j) for i ≠ j, null where unknown
     * @param stats      each completion's {@link Score#stats}
     * @param unknownWhy why a completion none of whose pairs is known is missing
     */
    static List<Score> of(String name, Double[][] p, List<Map<String, Double>> stats, String unknownWhy) {
        int n = p.length;
        List<Score> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String ref = String.valueOf(i);
            List<Double> row = new ArrayList<>(Arrays.asList(p[i]));
            row.set(i, null);
            double[] known = row.stream().filter(Objects::nonNull).mapToDouble(Double::doubleValue).toArray();
            if (n < 2) {
                out.add(new Score(ref, name, null, "a preference model compares a prompt's completions with each other; this prompt has " + n,
                        null, stats.get(i), row));
            } else if (known.length == 0) {
                out.add(new Score(ref, name, null, unknownWhy, null, stats.get(i), row));
            } else {
                double mean = Arrays.stream(known).average().orElseThrow();
                double var = Arrays.stream(known).map(w -> (w - mean) * (w - mean)).sum() / known.length;
                out.add(new Score(ref, name, mean, null, Math.sqrt(var), stats.get(i), row));
            }
        }
        return out;
    }
}
