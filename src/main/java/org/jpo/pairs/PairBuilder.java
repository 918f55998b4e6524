package org.jpo.pairs;

import org.jpo.Seeds;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Scored samples of a prompt → pairs, unpaired labels or an SFT target, by the configured {@link Strategy}, with
 * {@link Counts} of everything left out. Pure and deterministic: the same (config, seed, round, samples) give the
 * same rows, whatever order the samples come in.
 */
public final class PairBuilder {
    /** Highest score first, then lowest index: the first element of a sort is the "best". */
    private static final Comparator<Sample> BEST_FIRST =
            Comparator.comparingDouble((Sample s) -> -s.score()).thenComparingInt(Sample::index);

    private final PairsConfig config;
    private final long seed;
    private final boolean winProbScores;
    private final Advantages.Kind advantages;

    /** @param seed the run seed ({@code best_random} derives its stream from it) */
    public PairBuilder(PairsConfig config, long seed) { this(config, seed, false, Advantages.Kind.GRPO); }

    /** @param winProbScores see {@link #PairBuilder(PairsConfig, long, boolean, Advantages.Kind)} */
    public PairBuilder(PairsConfig config, long seed, boolean winProbScores) { this(config, seed, winProbScores, Advantages.Kind.GRPO); }

    /**
     * @param winProbScores the scores are already each sample's win probability against the others (a pairwise judge's),
     *                      so {@code sppo} takes them as they are instead of Bradley–Terry on score differences
     * @param advantages    {@code group}: the estimator of the advantages (the round's loss_type's)
     */
    public PairBuilder(PairsConfig config, long seed, boolean winProbScores, Advantages.Kind advantages) {
        this.config = config;
        this.seed = seed;
        this.winProbScores = winProbScores;
        this.advantages = advantages;
    }

    /** Every prompt of a round, rows in prompt order, counts summed. */
    public Outcome build(long round, List<PromptSamples> prompts) {
        Outcome out = Outcome.EMPTY;
        for (PromptSamples p : prompts) out = out.plus(build(round, p));
        return out;
    }

    /** One prompt's rows and counts. */
    public Outcome build(long round, PromptSamples p) {
        Tally t = new Tally(p.promptId(), config.strategy(), config.uncertaintyK());
        List<Sample> cur = t.read(p.current());
        Tally done = switch (config.strategy()) {
            case BEST_WORST -> !t.contested(cur, 2) ? t : belowThreshold(best(cur)) ? t.belowThreshold() : t.pair(best(cur), worst(cur));
            case BEST_RANDOM -> t.contested(cur, 2) ? t.pair(best(cur), random(cur, round, p.promptId())) : t;
            case BEST_SECOND -> t.contested(cur, 2) ? t.pair(best(cur), second(cur)) : t;
            case SWEET_SPOT -> t.contested(cur, 2) ? t.pair(best(cur), sweetSpot(cur)) : t;
            case ALL_PAIRS -> t.contested(cur, 2) ? allPairs(t, cur) : t;
            case LENGTH_PENALIZED -> {
                List<Sample> pen = penalized(cur);
                yield t.contested(pen, 2) ? t.pair(best(pen), worst(pen)) : t;
            }
            case SPPO -> t.contested(cur, 2) ? sppo(t, cur, winProbScores) : t;
            case ROUND_ROBIN -> t.enough(cur, 2) ? roundRobin(t, cur) : t;
            case ANCHORED -> anchored(t, cur, t.read(p.initial()));
            case UNPAIRED -> t.enough(cur, 1) ? unpaired(t, cur) : t;
            case BEST -> t.enough(cur, 1) ? bestOnly(t, cur) : t;
            case TREE -> throw new IllegalArgumentException("strategy tree pairs the steps of search trees (TreePairs), not samples");
            case GROUP -> t.enough(cur, 2) ? t.group(cur, advantages) : t;
            case LIST -> t.contested(cur, 2) ? t.ranked(cur.stream().sorted(BEST_FIRST).toList()) : t;
        };
        return done.outcome();
    }

    static Sample best(List<Sample> s) { return s.stream().min(BEST_FIRST).orElseThrow(); }

    static Sample worst(List<Sample> s) {
        return s.stream().min(Comparator.comparingDouble(Sample::score).thenComparingInt(Sample::index)).orElseThrow();
    }

    /** The samples scoring strictly below the best, in index order. */
    private static List<Sample> below(List<Sample> s, Sample top) { return s.stream().filter(x -> x.score() < top.score()).toList(); }

    private static Sample second(List<Sample> s) { return best(below(s, best(s))); }

    private Sample random(List<Sample> s, long round, String promptId) {
        List<Sample> lower = below(s, best(s));
        SplittableRandom rng = Seeds.stream(seed, "pairs/best_random", round, Seeds.fingerprint(promptId));
        return lower.get(rng.nextInt(lower.size()));
    }

    /** The sample below the best nearest μ − 2σ (population σ); equidistant ones go to the lower index. */
    private static Sample sweetSpot(List<Sample> s) {
        double target = sweetSpotTarget(s);
        Sample nearest = null;
        for (Sample x : below(s, best(s))) {
            if (nearest == null || Math.abs(x.score() - target) < Math.abs(nearest.score() - target)) nearest = x;
        }
        return nearest;
    }

    /** μ − 2σ of the scores. */
    static double sweetSpotTarget(List<Sample> s) { return mean(s) - 2 * std(s); }

    static double mean(List<Sample> s) { return s.stream().mapToDouble(Sample::score).average().orElseThrow(); }

    /** Population standard deviation: sqrt(Σ (s − μ)² / n). */
    static double std(List<Sample> s) {
        double mu = mean(s);
        return Math.sqrt(s.stream().mapToDouble(x -> (x.score() - mu) * (x.score() - mu)).sum() / s.size());
    }

    private Tally allPairs(Tally t, List<Sample> s) {
        for (Sample i : s) {
            for (Sample j : s) {
                double gap = i.score() - j.score();
                if (gap > config.minMargin()) t.pair(i, j);
                else if (gap == 0 && i.index() < j.index()) t.tie();
                else if (gap > 0) t.belowMargin();
            }
        }
        return t;
    }

    /** The samples with score − λ·tokens in place of their score. */
    private List<Sample> penalized(List<Sample> s) {
        return s.stream().map(x -> new Sample(x.index(), x.score() - config.lengthPenalty() * x.tokens(), x.tokens(), x.initial(), x.std())).toList();
    }

    /** w_i = mean over j ≠ i of σ(s_i − s_j). */
    static double winProb(Sample i, List<Sample> s) {
        double sum = 0;
        for (Sample j : s) if (j.index() != i.index()) sum += 1 / (1 + Math.exp(-(i.score() - j.score())));
        return sum / (s.size() - 1);
    }

    private static Tally sppo(Tally t, List<Sample> s, boolean winProbScores) {
        Sample c = best(s), r = worst(s);
        if (winProbScores) return t.pair(c, r, Optional.of(c.score()), Optional.of(r.score()));
        return t.pair(c, r, Optional.of(winProb(c, s)), Optional.of(winProb(r, s)));
    }

    /**
     * Every pair {i, j} of scored samples the pairwise scorer compared, with P(i ≻ j) from i's win_probs (else 1 − P(j ≻ i)
     * from j's); the preferred one is chosen, a tie goes to the lower index. Pairs it did not compare are not rows.
     */
    private static Tally roundRobin(Tally t, List<Sample> s) {
        for (int a = 0; a < s.size(); a++) {
            for (int b = a + 1; b < s.size(); b++) {
                Sample i = s.get(a), j = s.get(b);
                Double ij = i.winProb(j.index()), ji = j.winProb(i.index());
                if (ij == null && ji == null) continue;
                double p = ij != null ? ij : 1 - ji;
                if (p >= 0.5) t.preference(i, j, p);
                else t.preference(j, i, 1 - p);
            }
        }
        return t;
    }

    private static Tally anchored(Tally t, List<Sample> cur, List<Sample> init) {
        if (cur.isEmpty() || init.isEmpty()) return t.tooFew();
        List<Sample> all = new ArrayList<>(cur);
        all.addAll(init);
        return t.contested(all, 2) ? t.pair(best(cur), worst(init)) : t;
    }

    private Tally unpaired(Tally t, List<Sample> s) {
        for (Sample x : s) t.label(x, x.score() >= config.threshold().orElseThrow());
        return t;
    }

    private Tally bestOnly(Tally t, List<Sample> s) {
        Sample b = best(s);
        return belowThreshold(b) ? t.belowThreshold() : t.sft(b);
    }

    /** A threshold is set and the best sample scores below it (best; best_worst: ScPO's vote threshold). */
    private boolean belowThreshold(Sample best) { return config.threshold().isPresent() && best.score() < config.threshold().get(); }
}
