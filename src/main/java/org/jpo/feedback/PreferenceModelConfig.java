package org.jpo.feedback;

import org.jpo.config.Check;
import org.jpo.config.ConfigError;
import org.jpo.config.Key;
import org.jpo.config.Tag;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@code preference_model}: a general preference P(y ≻ y′ | x) — one that need not be transitive — as a pairwise
 * scorer. Exactly one source: {@code path}, a {@code jpo train method: preference} directory ({@link PreferenceModelScorer});
 * {@code judge}, a pairwise LLM judge's settings ({@link PairwiseJudgeScorer}: P(i ≻ j) is the mean of its verdicts in
 * both orders); or {@code game}, a tabular preference over kinds of completion ({@link PreferenceGame}). Each is
 * symmetric, P(i ≻ j) + P(j ≻ i) = 1. A completion's score is its mean P(i ≻ j) over the prompt's other completions,
 * and the P(i ≻ j) themselves are its {@link Score#winProbs} ({@code win_probs} in samples.jsonl, by sample index); a
 * prompt with a single completion leaves it missing.
 */
@Tag(value = "preference_model", doc = "A general, possibly intransitive, preference P(y > y' | x) from one source: path, judge or game; "
        + "a completion's score is its mean win probability against the prompt's other completions (SPPO's P(y > pi), arXiv:2405.00675), "
        + "and its win_probs are each P(y > y_k).")
public record PreferenceModelConfig(
        @Key(doc = "Source 1: a preference model directory written by jpo train with method: preference (the sequence prompt + y + "
                + "separator + y' through a transformer with a scalar head g; P(y > y') = sigmoid(g(x,y,y') - g(x,y',y))).") Optional<Path> path,
        @Key(doc = "With path: tokenizer.json or a llama2.c tokenizer .bin; null = the one in the model's directory.") Optional<Path> tokenizer,
        @Key(value = "32", doc = "With path: pairs per forward pass, each pair read in both orders (2 sequences); 32 takes all 28 "
                + "pairs of 8 completions at once.") int batchSize,
        @Key(doc = "Source 2: a pairwise LLM judge, pairwise_judge's keys ({url, model, ...}); P(i > j) is the mean of its verdicts "
                + "with i shown first and second.") Optional<PairwiseJudgeConfig> judge,
        @Key(doc = "Source 3: a tabular game over kinds of completion, for experiments: {words: [w1, w2, w3], matrix: [[...]]}; a "
                + "completion's kind is the one word it contains (whole, ignoring case; none or several = other), P(kind i > kind j) = "
                + "matrix[i][j] (default the spec's intransitive game [[0.5, 0.9, 0.3], [0.1, 0.5, 0.8], [0.7, 0.2, 0.5]]), any kind "
                + "beats other with probability 1, other vs other is 1/2.")
        Optional<PreferenceGame> game) implements ScorerConfig {

    static final int BATCH_SIZE = 32;

    public PreferenceModelConfig {
        if (path == null) path = Optional.empty();
        if (tokenizer == null) tokenizer = Optional.empty();
        if (judge == null) judge = Optional.empty();
        if (game == null) game = Optional.empty();
        List<String> given = Stream.of(path.map(p -> "path"), judge.map(j -> "judge"), game.map(g -> "game")).flatMap(Optional::stream).toList();
        if (given.size() != 1) {
            throw new ConfigError(given.isEmpty() ? "path" : given.get(0), (given.isEmpty() ? "path, judge or game is required"
                    : String.join(" and ", given) + " are both set") + ": preference_model takes exactly one source, path (a jpo train "
                    + "method: preference directory), judge (a pairwise LLM judge's keys) or game ({words, matrix})");
        }
        path.ifPresent(p -> Check.exists("path", p, false));
        tokenizer.ifPresent(t -> Check.exists("tokenizer", t, true));
        Check.atLeast("batch_size", batchSize, 1);
        if (path.isEmpty() && tokenizer.isPresent()) {
            throw new ConfigError("tokenizer", "tokenizer is set, but only a preference model at path reads it (the source is " + given.get(0) + ")");
        }
        if (path.isEmpty() && batchSize != BATCH_SIZE) {
            throw new ConfigError("batch_size", "batch_size is " + batchSize + ", but only a preference model at path reads it (the source is "
                    + given.get(0) + ")");
        }
    }

    @Override public boolean pairwise() { return game.map(PreferenceGame::pairwise).orElse(true); }

    /** The source's scorer; a model at path holds native memory until closed. */
    @Override public Scorer open(ScorerContext context) {
        if (path.isPresent()) return PreferenceModelScorer.open(path.get(), tokenizer, batchSize);
        if (judge.isPresent()) return judge.get().open(context, "preference_model:" + judge.get().model());
        return game.orElseThrow();
    }
}
