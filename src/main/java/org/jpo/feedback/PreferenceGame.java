package org.jpo.feedback;

import org.jpo.config.ConfigError;
import org.jpo.config.Key;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code preference_model}'s {@code game:}, a tabular preference over kinds of completion for experiments with
 * intransitive preferences (spec/losses.md, "Intransitive preferences"). A completion's kind is the one word of
 * {@code words} it contains, whole and ignoring case ({@link Words#present}); a completion with none of them or with
 * several is of kind other. P(kind i ≻ kind j) = matrix[i][j]; any kind beats other with probability 1, and other
 * against other is ½. The default matrix is the spec's game, P(1≻2) = 0.9, P(2≻3) = 0.8, P(3≻1) = 0.7, a cycle whose
 * von Neumann winner is (1/3, 2/9, 4/9).
 *
 * <p>As a scorer it is pairwise: each completion's {@link Score#winProbs} are P(its kind ≻ the other's), its value their
 * mean, and its {@link Score#stats} its kind as one-hot counts {@code kind_1} … {@code kind_n}, {@code kind_other},
 * whose per-completion means in the round's scorer metrics are the policy's kind distribution ({@link #exploitability}).
 */
public record PreferenceGame(
        @Key(required = true, doc = "One word per kind (at least two): a completion's kind is the one word of this list it contains, whole "
                + "and ignoring case; none or several = other.") List<String> words,
        @Key(value = "[[0.5, 0.9, 0.3], [0.1, 0.5, 0.8], [0.7, 0.2, 0.5]]", doc = "P(kind i > kind j) = matrix[i][j]: a row and a column "
                + "per word, entries in [0, 1], matrix[i][j] + matrix[j][i] = 1 (so ½ on the diagonal); the default is the spec's "
                + "intransitive game, P(1>2) = 0.9, P(2>3) = 0.8, P(3>1) = 0.7. Any kind beats other with probability 1; other vs other "
                + "is ½.") List<List<Double>> matrix,
        @Key(value = "false", doc = "Score each completion by its kind's Bradley–Terry reward fitted to the matrix (maximum likelihood, "
                + "centred; other gets the lowest kind's minus 1) instead of by win probabilities: a reward, not a pairwise scorer, "
                + "for the BT + DPO baseline.") boolean bradleyTerry) implements Scorer {

    public PreferenceGame {
        words = Words.checked(words);
        if (words.size() < 2) throw new ConfigError("words", "words must name at least two kinds, got " + words);
        Set<String> seen = new HashSet<>();
        for (String w : words) if (!seen.add(w.toLowerCase(Locale.ROOT))) throw new ConfigError("words", "words lists '" + w + "' twice (case is ignored)");
        matrix = checked(matrix, words.size());
    }

    /** Scored by win probabilities (a pairwise scorer). */
    public PreferenceGame(List<String> words, List<List<Double>> matrix) { this(words, matrix, false); }

    private static List<List<Double>> checked(List<List<Double>> m, int n) {
        String shape = n + "×" + n + " (a row and a column per word)";
        if (m == null || m.size() != n) throw new ConfigError("matrix", "matrix must be " + shape + ", got " + (m == null ? 0 : m.size()) + " rows");
        for (int i = 0; i < n; i++) {
            if (m.get(i).size() != n) throw new ConfigError("matrix", "matrix must be " + shape + ", but row " + (i + 1) + " has " + m.get(i).size() + " entries");
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double p = m.get(i).get(j);
                if (!(p >= 0 && p <= 1)) throw new ConfigError("matrix", "matrix[" + i + "][" + j + "] is " + p + ", must be a probability in [0, 1]");
            }
        }
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                double pij = m.get(i).get(j), pji = m.get(j).get(i);
                if (Math.abs(pij + pji - 1) > 1e-9) {
                    throw new ConfigError("matrix", "matrix[" + i + "][" + j + "] + matrix[" + j + "][" + i + "] is " + pij + " + " + pji + " = "
                            + (pij + pji) + ", must be 1: P(i > j) + P(j > i) = 1" + (i == j ? ", so the diagonal is 0.5" : ""));
                }
            }
        }
        return m.stream().map(List::copyOf).toList();
    }

    @Override public String name() { return bradleyTerry ? "preference_model:game_bradley_terry" : "preference_model:game"; }

    @Override public boolean pairwise() { return !bradleyTerry; }

    /**
     * Maximum-likelihood Bradley–Terry rewards of the kinds: argmax Σ_{i≠j} P(i ≻ j)·log σ(s_i − s_j), centred (mean 0), by
     * gradient ascent in doubles to a gradient below 1e-13 (the objective is concave, its maximum unique up to a shift).
     */
    static double[] bradleyTerry(double[][] p) {
        int n = p.length;
        double[] s = new double[n];
        for (int step = 0; step < 1_000_000; step++) {
            double[] g = new double[n];
            double norm = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    if (i == j) continue;
                    double d = p[i][j] - 1 / (1 + Math.exp(-(s[i] - s[j])));   // ∂/∂s_i of P(i≻j)·log σ(s_i − s_j) + P(j≻i)·log σ(s_j − s_i), halved
                    g[i] += d;
                    g[j] -= d;
                }
            }
            for (double v : g) norm = Math.max(norm, Math.abs(v));
            if (norm < 1e-13) break;
            for (int i = 0; i < n; i++) s[i] += 0.1 * g[i];
        }
        double mean = java.util.Arrays.stream(s).average().orElse(0);
        for (int i = 0; i < n; i++) s[i] -= mean;
        return s;
    }

    /** The kinds' Bradley–Terry rewards ({@link #bradleyTerry(double[][])}), other last at the lowest kind's minus 1. */
    public double[] bradleyTerryRewards() {
        double[] kinds = bradleyTerry(matrix.stream().map(row -> row.stream().mapToDouble(Double::doubleValue).toArray()).toArray(double[][]::new));
        double[] out = java.util.Arrays.copyOf(kinds, kinds.length + 1);
        out[kinds.length] = java.util.Arrays.stream(kinds).min().orElseThrow() - 1;
        return out;
    }

    /**
     * An eval's kind distribution and its exploitability, from the completions' one-hot kind counts: {@code game/kind_1} …
     * {@code game/kind_other} (shares) and {@code game/exploitability}; nothing when no completion was scored.
     */
    @Override public Map<String, Double> summarize(List<Map<String, Double>> stats) {
        if (stats.isEmpty()) return Map.of();
        double[] pi = new double[other() + 1];
        for (Map<String, Double> s : stats) for (int k = 0; k <= other(); k++) pi[k] += s.getOrDefault(kindKey(k), 0.0) / stats.size();
        Map<String, Double> out = new LinkedHashMap<>();
        for (int k = 0; k <= other(); k++) out.put("game/" + kindKey(k), pi[k]);
        out.put("game/exploitability", exploitability(pi));
        return out;
    }

    private String kindKey(int k) { return k == other() ? "kind_other" : "kind_" + (k + 1); }

    /** The kind of {@code completion}: 0 … n−1 for the word it alone contains, n ({@link #other}) for none or several. */
    public int kind(String completion) {
        int found = other();
        for (int i = 0; i < words.size(); i++) {
            if (!Words.present(words.get(i), completion)) continue;
            if (found != other()) return other();
            found = i;
        }
        return found;
    }

    /** The index of kind other: the number of words. */
    public int other() { return words.size(); }

    /** P(kind a ≻ kind b), other included. */
    public double prob(int a, int b) { return table()[a][b]; }

    /** The (n+1)×(n+1) table of P(kind a ≻ kind b), other last. */
    public double[][] table() {
        return withOther(matrix.stream().map(row -> row.stream().mapToDouble(Double::doubleValue).toArray()).toArray(double[][]::new));
    }

    /** {@link #exploitability(double[], double[][])} in this game. */
    public double exploitability(double[] kindDistribution) { return exploitability(kindDistribution, table()); }

    /**
     * max_i Σ_j (P(i ≻ j) − ½)·π_j over the kinds i, other included: how much the best reply to π beats π (0 at a von
     * Neumann winner; spec/losses.md). {@code matrix} is the kinds' n×n table — other is added as {@link #prob} says —
     * or a table with other already in it; {@code kindDistribution} holds π over the table's kinds, or over the first n
     * with other's share 0.
     */
    public static double exploitability(double[] kindDistribution, double[][] matrix) {
        double worst = Double.NEGATIVE_INFINITY;
        for (double m : margins(kindDistribution, matrix)) worst = Math.max(worst, m);
        return worst;
    }

    /** Σ_j (P(i ≻ j) − ½)·π_j for every kind i, with {@code p} and {@code pi} read as {@link #exploitability} reads them. */
    public static double[] margins(double[] pi, double[][] p) {
        int n = p.length;
        if (pi.length != n && pi.length != n + 1) {
            throw new IllegalArgumentException("a distribution over " + pi.length + " kinds for a " + n + "×" + n + " game");
        }
        double[][] full = pi.length == n ? p : withOther(p);
        double[] m = new double[full.length];
        for (int i = 0; i < full.length; i++) {
            for (int j = 0; j < pi.length; j++) m[i] += (full[i][j] - 0.5) * pi[j];
        }
        return m;
    }

    /** The kinds' table with other added: any kind beats other with probability 1, other vs other is ½. */
    private static double[][] withOther(double[][] p) {
        int n = p.length;
        double[][] out = new double[n + 1][n + 1];
        for (int i = 0; i < n; i++) {
            System.arraycopy(p[i], 0, out[i], 0, n);
            out[i][n] = 1;
        }
        out[n][n] = 0.5;
        return out;
    }

    /**
     * Each completion's value is its mean P(kind ≻ other's kind) over the prompt's other completions, or with
     * {@code bradley_terry} its kind's Bradley–Terry reward.
     */
    @Override public List<Score> score(ScoreInput input, List<String> completions) {
        int n = completions.size();
        int[] kinds = completions.stream().mapToInt(this::kind).toArray();
        Double[][] p = new Double[n][n];
        List<Map<String, Double>> stats = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) if (i != j) p[i][j] = prob(kinds[i], kinds[j]);
            Map<String, Double> s = new LinkedHashMap<>();
            for (int k = 0; k <= other(); k++) s.put(kindKey(k), kinds[i] == k ? 1.0 : 0.0);
            stats.add(s);
        }
        if (!bradleyTerry) return PairwiseScores.of(name(), p, stats, "");
        double[] reward = bradleyTerryRewards();
        List<Score> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(new Score(String.valueOf(i), name(), reward[kinds[i]], null, null, stats.get(i)));
        return out;
    }
}
