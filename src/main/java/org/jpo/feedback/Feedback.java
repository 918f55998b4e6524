package org.jpo.feedback;

import org.jpo.UserError;
import org.jpo.sampling.SampleRow;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The scorers of a {@code feedback:} list, opened, and their combined score: the weighted sum Σ weight_i · score_i.
 * A completion any scorer cannot score has no combined score (missing, with that scorer's reason), never a sum
 * that silently treats the gap as 0. Owns the reward models it opened: {@link #close()} frees them.
 */
public final class Feedback implements AutoCloseable {
    private final List<FeedbackItem> items;
    private final List<Scorer> scorers;   // scorers.get(i) is items.get(i)'s, opened
    private boolean closed;               // a second close must not free a reward model twice

    /**
     * One completion's combined score and the parts it was summed from, one per scorer in the list's order.
     *
     * @param value Σ weight_i · parts_i.value; null (missing) when any part is missing
     * @param std   sqrt(Σ weight_i² · std_i²), the spread of the sum when the parts' errors are independent, over the
     *              parts that have a spread; null when none has (every part a single value)
     */
    public record Scored(Double value, Double std, List<Score> parts) {
        /** The pairwise scorer's win probabilities ({@link Score#winProbs}), null when no scorer is pairwise. */
        public List<Double> winProbs() { return parts.stream().map(Score::winProbs).filter(java.util.Objects::nonNull).findFirst().orElse(null); }

        public Scored {
            parts = List.copyOf(parts);
            if ((value == null) != parts.stream().anyMatch(Score::isMissing)) {
                throw new IllegalArgumentException("a combined score is missing exactly when a part is: " + value + " from " + parts);
            }
        }

        public Scored(Double value, List<Score> parts) { this(value, null, parts); }

        public boolean isMissing() { return value == null; }

        /** The first missing part's scorer and reason, e.g. {@code math: the row has no 'answer' field}; null if not missing. */
        public String missingReason() {
            return parts.stream().filter(Score::isMissing).findFirst().map(s -> s.scorer() + ": " + s.details()).orElse(null);
        }
    }

    private Feedback(List<FeedbackItem> items, List<Scorer> scorers) {
        this.items = items;
        this.scorers = scorers;
    }

    /** Opens every item's scorer (loading reward models); if one fails, those already opened are closed. */
    public static Feedback open(List<FeedbackItem> items) { return open(items, ScorerContext.NONE); }

    /** The same, giving the scorers what the run provides (a request cache for judges). */
    public static Feedback open(List<FeedbackItem> items, ScorerContext context) {
        if (items == null || items.isEmpty()) throw new UserError("feedback: list at least one scorer");
        List<Scorer> scorers = new ArrayList<>();
        try {
            for (FeedbackItem item : items) scorers.add(item.scorer().open(context));
            if (scorers.stream().filter(Scorer::pairwise).count() > 1) {
                throw new UserError("feedback: lists " + scorers.stream().filter(Scorer::pairwise).map(Scorer::name).toList() + "; at most one "
                        + "scorer may compare completions with each other, as its win probabilities are each sample's win_probs");
            }
        } catch (RuntimeException e) {
            closeAll(scorers, e);
            throw e;
        }
        return new Feedback(List.copyOf(items), List.copyOf(scorers));
    }

    /** Each scorer's name, in the list's order, e.g. {@code contains:park}. */
    public List<String> scorerNames() { return scorers.stream().map(Scorer::name).toList(); }

    /** Whether a scorer compares completions with each other ({@link Scorer#pairwise}), filling their win_probs. */
    public boolean pairwise() { return scorers.stream().anyMatch(Scorer::pairwise); }

    /** Each scorer's weight, in the list's order. */
    List<Double> weights() { return items.stream().map(FeedbackItem::weight).toList(); }

    /** The prompt-row fields the scorers read (e.g. {@code answer} for math), each once, in the list's order. */
    public List<String> requiredFields() {
        Set<String> out = new LinkedHashSet<>();
        for (FeedbackItem item : items) out.addAll(item.scorer().rowFields());
        return List.copyOf(out);
    }

    /** One combined score per completion, in order; every scorer sees all of a prompt's completions at once (batching). */
    public List<Scored> score(ScoreInput input, List<String> completions) {
        List<List<Score>> byScorer = new ArrayList<>();
        for (Scorer s : scorers) {
            List<Score> got = s.score(input, completions);
            if (got.size() != completions.size()) {
                throw new IllegalStateException(s.name() + " gave " + got.size() + " scores for " + completions.size() + " completions");
            }
            byScorer.add(got);
        }
        List<Scored> out = new ArrayList<>(completions.size());
        for (int i = 0; i < completions.size(); i++) {
            List<Score> parts = new ArrayList<>();
            for (List<Score> scores : byScorer) parts.add(scores.get(i));
            out.add(combine(parts));
        }
        return out;
    }

    private Scored combine(List<Score> parts) {
        double sum = 0, variance = 0;
        boolean spread = false;
        for (int j = 0; j < parts.size(); j++) {
            Score p = parts.get(j);
            if (p.isMissing()) return new Scored(null, parts);
            double w = items.get(j).weight();
            sum += w * p.value();
            if (p.std() != null) {
                spread = true;
                variance += w * w * p.std() * p.std();
            }
        }
        return new Scored(sum, spread ? Math.sqrt(variance) : null, parts);
    }

    /**
     * Every scorer's {@link Scorer#summarize} of these rows (the ones it scored), keys as the scorers give them; a key two
     * scorers both give is a bug in the list, refused.
     */
    public Map<String, Double> summarize(List<SampleRow> rows) {
        Map<String, Double> out = new java.util.LinkedHashMap<>();
        for (Scorer s : scorers) {
            List<Map<String, Double>> stats = new ArrayList<>();
            for (SampleRow r : rows) {
                if (r.scoring() == null || !r.scoring().scores().containsKey(s.name())) continue;
                Map<String, Map<String, Double>> all = r.scoring().stats();
                stats.add(all == null ? Map.of() : all.getOrDefault(s.name(), Map.of()));
            }
            s.summarize(stats).forEach((k, v) -> {
                if (out.put(k, v) != null) throw new UserError("feedback: two scorers both summarize an eval as '" + k + "'");
            });
        }
        return out;
    }

    @Override public void close() {
        if (closed) return;
        closed = true;
        closeAll(scorers, null);
    }

    /** Closes the scorers that hold resources, last opened first; failures go to {@code primary} or are thrown together. */
    private static void closeAll(List<Scorer> scorers, RuntimeException primary) {
        RuntimeException failure = primary;
        for (int i = scorers.size() - 1; i >= 0; i--) {
            if (!(scorers.get(i) instanceof AutoCloseable c)) continue;
            try {
                c.close();
            } catch (Exception e) {
                if (failure == null) failure = new IllegalStateException("cannot close " + scorers.get(i).name(), e);
                else failure.addSuppressed(e);
            }
        }
        if (failure != null && failure != primary) throw failure;
    }
}
