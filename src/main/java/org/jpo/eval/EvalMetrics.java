package org.jpo.eval;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The flat {@code eval.json} keys of one round, from its held-out completions: pure arithmetic, no model.
 *
 * <ul>
 *   <li>{@code eval/mean_score}, {@code eval/pass_rate}: over the sampled completions (score >= pass_threshold passes);
 *   <li>{@code eval/greedy_mean_score}, {@code eval/greedy_pass_rate}: the same over the greedy ones;
 *   <li>{@code eval/mean_length}: mean tokens of the sampled completions;
 *   <li>{@code eval/kl_to_initial}: the Monte-Carlo estimate of KL(π ‖ π₀) = E_{y~π}[log π(y|x) − log π₀(y|x)] on the
 *       sampled completions (unbiased when they were drawn at temperature 1 without top-k/top-p);
 *   <li>{@code eval/win_rate_vs_initial}: each sampled completion against the starting policy's completion with the
 *       same prompt and sample index, by the feedback: a higher score wins, an equal one counts half;
 *   <li>{@code eval/missing}: completions without a score (left out of every mean above), {@code eval/prompts}.
 * </ul>
 * A mean over nothing (every score missing) is null.
 */
public final class EvalMetrics {
    private EvalMetrics() {}

    public static EvalResult of(List<EvalSample> now, List<EvalSample> initial, double passThreshold) {
        return of(now, initial, passThreshold, Map.of());
    }

    /** @param feedback the scorers' summaries of the sampled completions ({@link EvalResult#feedback}) */
    public static EvalResult of(List<EvalSample> now, List<EvalSample> initial, double passThreshold, Map<String, Double> feedback) {
        List<EvalSample> sampled = now.stream().filter(s -> !s.greedy()).toList(), greedy = now.stream().filter(EvalSample::greedy).toList();
        return new EvalResult(
                finite(mean(sampled, s -> s.score())),
                finite(mean(sampled, s -> s.score() >= passThreshold ? 1.0 : 0.0)),
                finite(mean(greedy, s -> s.score())),
                finite(mean(greedy, s -> s.score() >= passThreshold ? 1.0 : 0.0)),
                finite(sampled.stream().mapToInt(EvalSample::tokens).average().orElse(Double.NaN)),
                finite(sampled.stream().mapToDouble(s -> s.logp() - s.initialLogp()).average().orElse(Double.NaN)),
                finite(winRate(sampled, initial)),
                (double) now.stream().filter(s -> s.score() == null).count(),
                (double) greedy.size(),
                feedback);
    }

    private static Double finite(double v) { return Double.isFinite(v) ? v : null; }

    /** Mean of {@code f} over the scored samples. */
    private static double mean(List<EvalSample> s, ToDoubleFunction<EvalSample> f) {
        return s.stream().filter(x -> x.score() != null).mapToDouble(f).average().orElse(Double.NaN);
    }

    private static double winRate(List<EvalSample> sampled, List<EvalSample> initial) {
        Map<String, Double> base = new HashMap<>();
        for (EvalSample s : initial) if (!s.greedy() && s.score() != null) base.put(s.promptId() + "#" + s.sampleIndex(), s.score());
        double wins = 0;
        int n = 0;
        for (EvalSample s : sampled) {
            Double b = base.get(s.promptId() + "#" + s.sampleIndex());
            if (b == null || s.score() == null) continue;
            wins += s.score() > b ? 1 : s.score().equals(b) ? 0.5 : 0;
            n++;
        }
        return n == 0 ? Double.NaN : wins / n;
    }
}
