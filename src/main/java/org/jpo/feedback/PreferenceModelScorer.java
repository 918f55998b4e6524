package org.jpo.feedback;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.jpo.UserError;
import org.jpo.model.PreferenceModel;
import org.jpo.tokenizer.Tokenizer;
import org.jpo.tokenizer.Tokenizers;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.jpo.tensor.Tensors.toDoubles;

/**
 * Scores a prompt's completions with a trained {@link PreferenceModel}: for each of the K(K−1)/2 pairs i &lt; j one
 * logit d from both orders, P(i ≻ j) = σ(d) and P(j ≻ i) = 1 − P(i ≻ j), in forwards of {@code batchSize} pairs
 * (2·batchSize sequences) without gradient, each in its own scope. Texts are tokenized as {@code jpo train} tokenizes
 * string rows: the prompt with the model's special tokens, each completion the ids its joint encoding with the prompt
 * adds, then EOS. A pair longer than the model's context window is unknown; a completion with no known pair is missing,
 * with the reason. {@link Score#stats}: {@code pairs}, the known pairs in its mean.
 *
 * <p>Owns the model and the tokenizer it is given: {@link #close()} frees both.
 */
public final class PreferenceModelScorer implements Scorer, AutoCloseable {
    private final PreferenceModel model;
    private final Tokenizer tokenizer;
    private final int batchSize;
    private final String name;

    public PreferenceModelScorer(PreferenceModel model, Tokenizer tokenizer, int batchSize, String name) {
        ModelScorers.check(batchSize, tokenizer, model.config().vocabSize(), "preference model", name);
        this.model = model;
        this.tokenizer = tokenizer;
        this.batchSize = batchSize;
        this.name = name;
    }

    /** The preference model in {@code dir} with its own tokenizer, or the one named. */
    public static PreferenceModelScorer open(Path dir, Optional<Path> tokenizerPath, int batchSize) {
        return ModelScorers.open(dir, tokenizerPath, "preference model", "tokenizer:", PreferenceModel.load(dir),
                (model, tok) -> new PreferenceModelScorer(model, tok, batchSize, "preference_model:" + dir));
    }

    @Override public String name() { return name; }

    @Override public boolean pairwise() { return true; }

    /** P(i ≻ j) for every i ≠ j, null where the pair does not fit the context window. */
    public Double[][] probabilities(String prompt, List<String> completions) {
        int[] p = tokenizer.encode(prompt, true);
        List<int[]> c = new ArrayList<>();
        for (String text : completions) c.add(withEos(tokenizer.encodeContinuation(prompt, p, text, true)));
        if (p.length == 0) p = new int[] {model.separator()};   // no BOS and an empty prompt: the separator is the context
        int n = c.size(), window = model.config().contextLimit();
        List<int[]> pairs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) if (PreferenceModel.length(p, c.get(i), c.get(j)) <= window) pairs.add(new int[] {i, j});
        }
        Double[][] out = new Double[n][n];
        for (int from = 0; from < pairs.size(); from += batchSize) {
            List<int[]> chunk = pairs.subList(from, Math.min(pairs.size(), from + batchSize));
            double[] d = logits(p, c, chunk);
            for (int k = 0; k < d.length; k++) {
                int i = chunk.get(k)[0], j = chunk.get(k)[1];
                out[i][j] = 1 / (1 + Math.exp(-d[k]));
                out[j][i] = 1 - out[i][j];
            }
        }
        return out;
    }

    /** d(i, j) of each pair, one forward of both orders. */
    private double[] logits(int[] prompt, List<int[]> completions, List<int[]> pairs) {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            return toDoubles(model.logits(pairs.stream().map(q -> prompt).toList(), pairs.stream().map(q -> completions.get(q[0])).toList(),
                    pairs.stream().map(q -> completions.get(q[1])).toList()));
        }
    }

    private int[] withEos(int[] ids) {
        int eos = tokenizer.eosId().orElse(-1);
        if (eos < 0 || ids.length > 0 && ids[ids.length - 1] == eos) return ids;
        int[] out = Arrays.copyOf(ids, ids.length + 1);
        out[ids.length] = eos;
        return out;
    }

    @Override public List<Score> score(ScoreInput input, List<String> completions) {
        Double[][] p = probabilities(input.prompt(), completions);
        List<Map<String, Double>> stats = new ArrayList<>();
        for (Double[] row : p) {
            Map<String, Double> s = new LinkedHashMap<>();
            s.put("pairs", (double) Arrays.stream(row).filter(x -> x != null).count());
            stats.add(s);
        }
        return PairwiseScores.of(name, p, stats, "with every other completion of the prompt it is longer than the preference model's "
                + "context window of " + model.config().contextLimit() + " tokens (prompt + both completions + separator)");
    }

    @Override public void close() {
        tokenizer.close();
        model.close();
    }
}
