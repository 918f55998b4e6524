package org.jpo.feedback;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * An ensemble's score: the weighted mean μ = Σ w_i s_i / Σ w_i of its members' scores and their weighted population
 * standard deviation sqrt(Σ w_i (s_i − μ)² / Σ w_i). The members' own counts (a judge's unparsed answers, flips)
 * are kept under {@code <member>/<stat>}, so the round's scorer metrics still show them. Owns its members (closes them).
 */
public final class EnsembleScorer implements Scorer, AutoCloseable {
    private final Feedback members;
    private final List<Double> weights;

    EnsembleScorer(Feedback members) {
        this.members = members;
        this.weights = members.weights();
    }

    @Override public String name() { return "ensemble(" + String.join(",", members.scorerNames()) + ")"; }

    @Override public List<Score> score(ScoreInput input, List<String> completions) {
        List<Feedback.Scored> scored = members.score(input, completions);
        List<Score> out = new ArrayList<>(scored.size());
        for (int i = 0; i < scored.size(); i++) out.add(of(String.valueOf(i), scored.get(i).parts()));
        return out;
    }

    private Score of(String ref, List<Score> parts) {
        String values = parts.stream().map(p -> p.scorer() + "=" + (p.isMissing() ? "missing" : p.value())).collect(Collectors.joining(", "));
        Map<String, Double> stats = new java.util.TreeMap<>();
        stats.put("members", (double) parts.size());
        for (Score p : parts) p.stats().forEach((k, v) -> stats.put(p.scorer() + "/" + k, v));
        for (Score p : parts) {
            if (p.isMissing()) return new Score(ref, name(), null, "member " + p.scorer() + ": " + p.details(), null, stats);
        }
        double w = 0, sum = 0;
        for (int j = 0; j < parts.size(); j++) {
            w += weights.get(j);
            sum += weights.get(j) * parts.get(j).value();
        }
        double mean = sum / w, sq = 0;
        for (int j = 0; j < parts.size(); j++) sq += weights.get(j) * Math.pow(parts.get(j).value() - mean, 2);
        return new Score(ref, name(), mean, values, Math.sqrt(sq / w), stats);
    }

    @Override public void close() { members.close(); }
}
