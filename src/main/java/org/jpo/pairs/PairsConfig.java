package org.jpo.pairs;

import org.jpo.config.Check;
import org.jpo.config.ConfigError;
import org.jpo.config.Key;
import org.jpo.config.Reads;

import java.util.Optional;

import static org.jpo.pairs.Strategy.*;

/**
 * The {@code pairs:} section: how scored samples become training rows. A knob the chosen strategy does not read
 * must stay at its default ({@link Reads}), so a setting is never silently ignored.
 */
public record PairsConfig(
        @Key(value = "best_worst", doc = "How samples become rows: best_worst | best_random | best_second | sweet_spot | "
                + "all_pairs | length_penalized | sppo | round_robin (a pairwise scorer's P(i ≻ j) on every pair) | anchored | unpaired | best | "
                + "tree (sampling.tree's step pairs) | group | list (a prompt's samples as one ranked list; see org.jpo.pairs.Strategy).")
        Strategy strategy,
        @Key(value = "0.0", doc = "all_pairs: keep a pair only if its score gap is > min_margin; tree: only if its Q gap is > 0 and "
                + ">= min_margin (>= 0).") double minMargin,
        @Key(value = "0.0", doc = "length_penalized: λ > 0, the score penalty per completion token (score − λ·tokens).")
        double lengthPenalty,
        @Key(doc = "unpaired: desirable iff score >= threshold (required); best: keep the best sample only if its score "
                + ">= threshold; best_worst: keep a prompt's pair only if its chosen score >= threshold (ScPO's vote threshold "
                + "with self_consistency scores, the most-voted answer's share of the samples). Null = always.")
        Optional<Double> threshold,
        @Key(value = "1", doc = "Train each round on the rows of the last k rounds (this one included), >= 1.") int history,
        @Key(value = "finished_only", doc = "finished_only: a completion keeps its EOS only if it ended with one (one cut at "
                + "max_new_tokens did not end) | always: EOS is appended to every completion, as jpo train does for text rows.")
        Eos eos,
        @Key(value = "0.0", doc = "UPO (arXiv:2409.11212): drop a pair whose score gap is <= k·sqrt(σ_chosen² + σ_rejected²), the "
                + "scores' standard deviations from an ensemble or a judge's k judgments (counted as uncertain); 0 = keep all, >= 0.")
        double uncertaintyK)
        implements Reads {

    /** Whether a training completion ends with EOS. */
    public enum Eos { FINISHED_ONLY, ALWAYS }

    public PairsConfig {
        Check.nonNegative("min_margin", minMargin);
        Check.nonNegative("length_penalty", lengthPenalty);
        Check.atLeast("history", history, 1);
        Check.nonNegative("uncertainty_k", uncertaintyK);
        if (strategy == LENGTH_PENALIZED && lengthPenalty == 0) {
            throw new ConfigError("length_penalty", "length_penalty must be > 0 with strategy length_penalized (0 is best_worst)");
        }
        if (threshold.isPresent() && !Double.isFinite(threshold.get())) {
            throw new ConfigError("threshold", "threshold must be a finite number, got " + threshold.get());
        }
        if (strategy == UNPAIRED && threshold.isEmpty()) {
            throw new ConfigError("threshold", "threshold must be set with strategy unpaired (desirable iff score >= threshold)");
        }
    }

    /** Whether the strategy compares a prompt's samples (pairs, group's advantages, a ranked list), and so needs two of them (n >= 2). */
    public boolean pairwise() { return strategy != UNPAIRED && strategy != BEST && strategy != ANCHORED && strategy != TREE; }

    @Override public String unread(String key) {
        return switch (key) {
            case "min_margin" -> strategy == ALL_PAIRS || strategy == TREE ? null : onlyBy("all_pairs and tree");
            case "eos" -> strategy == TREE ? "strategy tree trains on the steps as sampled (a step ends at its delimiter, EOS or the "
                    + "token budget)" : null;
            case "length_penalty" -> strategy == LENGTH_PENALIZED ? null : onlyBy("length_penalized");
            case "threshold" -> strategy == UNPAIRED || strategy == BEST || strategy == BEST_WORST ? null : onlyBy("unpaired, best and best_worst");
            case "uncertainty_k" -> (pairwise() && strategy != GROUP && strategy != LIST && strategy != ROUND_ROBIN) || strategy == ANCHORED ? null
                    : strategy == TREE ? "strategy tree pairs by Q values, which carry no score spread"
                    : strategy == ROUND_ROBIN ? "strategy round_robin keeps every compared pair with its preference, whatever the scores"
                    : "strategy " + strategy.name().toLowerCase() + " makes no pairs";
            default -> null;
        };
    }

    private String onlyBy(String strategies) {
        return "only strategy " + strategies + " read" + (strategies.contains(" and ") ? "" : "s") + " it (strategy is "
                + strategy.name().toLowerCase() + ")";
    }
}
