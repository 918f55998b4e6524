package org.jpo.bandit;

import org.jpo.feedback.PreferenceGame;
import org.jpo.loss.Sigmoid;
import org.jpo.loss.Sppo;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Bandit check 3: intransitive preferences. K = 3 with P(y1≻y2) = 0.9, P(y2≻y3) = 0.8, P(y3≻y1) = 0.7; the
 * Nash equilibrium (von Neumann winner) is π* = (1/3, 2/9, 4/9), where every action's expected margin
 * Σ_j (P(i≻j) − ½)·π*_j is 0. Exploitability(π) = max_i Σ_j (P(i≻j) − ½)·π_j. All expectations are exact.
 *
 * <ul>
 *   <li><b>SPPO</b> (Wu et al., arXiv:2405.00675, Alg. 1), η = 0.75: each iteration minimizes the {@code sppo}
 *       loss with reference π_t, win rates P(y≻π_t), 1/β = η, over all pairs weighted by π_t(i)·π_t(j),
 *       which realizes π_{t+1} ∝ π_t·exp(η·P(y≻π_t)). Its guarantee is for the time average; the last
 *       iterate cycles.</li>
 *   <li><b>Extragradient</b> (mirror-prox; the EGPO family), η = 2: a half step as SPPO's gives π_{t+½};
 *       the full step minimizes the same loss from reference π_t with the win rates P(y≻π_{t+½}). Its
 *       last iterate converges.</li>
 *   <li><b>BT + DPO</b>: Bradley–Terry scores s fitted to the matrix (maximum likelihood, which in a bandit
 *       is the sigmoid loss with β = 1 against a uniform reference), then DPO with β = 0.1 against the
 *       uniform reference on pairs labelled P(i≻j) = σ(s_i − s_j). It converges to π ∝ exp(s/β), which
 *       concentrates on y1 and stays exploitable by y3.</li>
 * </ul>
 * Each inner minimization is 20 gradient-descent steps with lr 0.5 from the current policy.
 */
public final class Intransitive {
    static final double[][] P = {{0.5, 0.9, 0.3}, {0.1, 0.5, 0.8}, {0.7, 0.2, 0.5}};
    static final double[] NASH = {1.0 / 3, 2.0 / 9, 4.0 / 9};
    static final int ITERATIONS = 150;
    static final double SPPO_ETA = 0.75, EG_ETA = 2, DPO_BETA = 0.1;
    static final int INNER_STEPS = 20;
    static final double INNER_LR = 0.5;
    /** BT + DPO: gradient steps per reported iteration and their rate (β² ≈ 0.01 scales the curvature). */
    static final int DPO_STEPS = 10;
    static final double DPO_LR = 50;
    static final double TARGET = 0.01, BT_FLOOR = 0.15;
    static final double[] UNIFORM = Probabilities.log(new double[] {1.0 / 3, 1.0 / 3, 1.0 / 3});

    private Intransitive() {}

    /** max_i Σ_j (P(i≻j) − ½)·π_j: the game's, as feedback's {@link PreferenceGame} computes it for any table. */
    public static double exploitability(double[] pi) { return PreferenceGame.exploitability(pi, P); }

    /** Σ_j (P(i≻j) − ½)·π_j for every i. */
    public static double[] margins(double[] pi) { return PreferenceGame.margins(pi, P); }

    /** P(y ≻ π) = Σ_j P(y≻j)·π_j for every y. */
    public static double[] winRates(double[] pi) {
        double[] w = new double[P.length];
        for (int i = 0; i < P.length; i++) w[i] = Probabilities.expectation(pi, P[i]);
        return w;
    }

    public static Result run() {
        return new Result(sppo(), extragradient(), btDpo());
    }

    /** The policies π_1 … π_T of SPPO's self-play; π_0 is uniform. */
    static double[][] sppo() {
        double[][] iterates = new double[ITERATIONS][];
        try (SoftmaxPolicy pi = new SoftmaxPolicy(UNIFORM)) {
            for (int t = 0; t < ITERATIONS; t++) {
                double[] now = pi.probs();
                selfPlayStep(pi, now, winRates(now), SPPO_ETA);
                iterates[t] = pi.probs();
            }
        }
        return iterates;
    }

    /** The last iterates π_1 … π_T of extragradient self-play. */
    static double[][] extragradient() {
        double[][] iterates = new double[ITERATIONS][];
        try (SoftmaxPolicy pi = new SoftmaxPolicy(UNIFORM)) {
            for (int t = 0; t < ITERATIONS; t++) {
                double[] now = pi.probs();
                double[] half;
                try (SoftmaxPolicy lookahead = new SoftmaxPolicy(pi.logProbs())) {
                    selfPlayStep(lookahead, now, winRates(now), EG_ETA);
                    half = lookahead.probs();
                }
                selfPlayStep(pi, now, winRates(half), EG_ETA);
                iterates[t] = pi.probs();
            }
        }
        return iterates;
    }

    /**
     * Minimizes the sppo loss (β = 1/η) with reference {@code ref} and the given win rates, over every
     * ordered pair (i, j) weighted by ref(i)·ref(j): the exact expectation over pairs sampled from π_t.
     */
    static void selfPlayStep(SoftmaxPolicy pi, double[] ref, double[] winRate, double eta) {
        int k = ref.length;
        int[] c = new int[k * k], r = new int[k * k];
        double[] w = new double[k * k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                c[i * k + j] = i;
                r[i * k + j] = j;
                w[i * k + j] = ref[i] * ref[j];
            }
        }
        pi.train(new Sppo(1 / eta), new Pairs(c, r, w), Probabilities.log(ref), Optional.of(winRate),
                new Optimizer.GradientDescent(INNER_LR), INNER_STEPS);
    }

    /** BT scores fitted to P, then DPO iterations; returns the scores and the policy after each iteration. */
    static BtDpo btDpo() {
        double[] scores = fitBradleyTerry();
        Pairs labelled = allPairs((i, j) -> Probabilities.sigmoid(scores[i] - scores[j]));
        double[][] iterates = new double[ITERATIONS][];
        try (SoftmaxPolicy pi = new SoftmaxPolicy(UNIFORM)) {
            for (int t = 0; t < ITERATIONS; t++) {
                pi.train(new Sigmoid(DPO_BETA), labelled, UNIFORM, Optional.empty(),
                        new Optimizer.GradientDescent(DPO_LR), DPO_STEPS);
                iterates[t] = pi.probs();
            }
        }
        return new BtDpo(scores, iterates);
    }

    /** Maximum-likelihood BT scores: argmin Σ_{i≠j} P(i≻j)·(−logσ(s_i − s_j)), centred. */
    static double[] fitBradleyTerry() {
        Pairs weighted = allPairs((i, j) -> P[i][j]);
        try (SoftmaxPolicy s = new SoftmaxPolicy(new double[3])) {
            s.train(new Sigmoid(1), weighted, UNIFORM, Optional.empty(), new Optimizer.GradientDescent(5), 300);
            double[] lp = s.logProbs();
            double mean = (lp[0] + lp[1] + lp[2]) / 3;
            return new double[] {lp[0] - mean, lp[1] - mean, lp[2] - mean};
        }
    }

    interface PairWeight { double of(int i, int j); }

    /** Every ordered pair i ≻ j, i ≠ j, with the given weight. */
    static Pairs allPairs(PairWeight weight) {
        int k = P.length;
        List<int[]> pairs = new ArrayList<>();
        for (int i = 0; i < k; i++) for (int j = 0; j < k; j++) if (i != j) pairs.add(new int[] {i, j});
        return new Pairs(pairs.stream().mapToInt(p -> p[0]).toArray(), pairs.stream().mapToInt(p -> p[1]).toArray(),
                pairs.stream().mapToDouble(p -> weight.of(p[0], p[1])).toArray());
    }

    public record BtDpo(double[] scores, double[][] iterates) {}

    public record Result(double[][] sppo, double[][] extragradient, BtDpo btDpo) implements ExperimentResult {
        /** The running average (1/t)·Σ_{s≤t} π_s of SPPO's iterates. */
        public double[][] sppoAverage() {
            double[][] avg = new double[sppo.length][];
            double[] sum = new double[3];
            for (int t = 0; t < sppo.length; t++) {
                for (int y = 0; y < 3; y++) sum[y] += sppo[t][y];
                avg[t] = Probabilities.normalize(sum);
            }
            return avg;
        }

        public double[] exploitability(double[][] iterates) {
            return java.util.Arrays.stream(iterates).mapToDouble(Intransitive::exploitability).toArray();
        }

        @Override public Experiment experiment() { return Experiment.INTRANSITIVE; }

        @Override public String setup() {
            return String.format(Locale.ROOT, "K=3, P(y1>y2)=0.9, P(y2>y3)=0.8, P(y3>y1)=0.7, Nash (1/3,2/9,4/9); exact "
                    + "expectations; SPPO eta=%s, extragradient eta=%s (sppo loss, %d GD steps lr %s per update); "
                    + "BT fit then DPO beta=%s (%d GD steps lr %s per iteration); %d iterations",
                    SPPO_ETA, EG_ETA, INNER_STEPS, INNER_LR, DPO_BETA, DPO_STEPS, DPO_LR, ITERATIONS);
        }

        @Override public Table table() {
            Table t = new Table("iteration", "sppo_last", "sppo_average", "extragradient_last", "bt_dpo",
                    "sppo_avg_pi1", "sppo_avg_pi2", "sppo_avg_pi3", "eg_pi1", "eg_pi2", "eg_pi3", "bt_dpo_pi1");
            double[][] avg = sppoAverage();
            for (int i = 0; i < ITERATIONS; i++) {
                t.row(i + 1, Intransitive.exploitability(sppo[i]), Intransitive.exploitability(avg[i]),
                        Intransitive.exploitability(extragradient[i]), Intransitive.exploitability(btDpo.iterates()[i]),
                        avg[i][0], avg[i][1], avg[i][2], extragradient[i][0], extragradient[i][1], extragradient[i][2],
                        btDpo.iterates()[i][0]);
            }
            return t;
        }

        @Override public LinePlot plot() {
            double[] x = new double[ITERATIONS];
            for (int i = 0; i < x.length; i++) x[i] = i + 1;
            return new LinePlot("Intransitive preferences: exploitability per iteration", "iteration",
                    "exploitability", LinePlot.Scale.LINEAR, LinePlot.Scale.LOG, List.of(
                    LinePlot.Series.line("SPPO last iterate", x, exploitability(sppo)),
                    LinePlot.Series.line("SPPO average", x, exploitability(sppoAverage())),
                    LinePlot.Series.line("extragradient last", x, exploitability(extragradient)),
                    LinePlot.Series.line("BT fit + DPO b=0.1", x, exploitability(btDpo.iterates())),
                    LinePlot.Series.level("0.01", TARGET, 1, ITERATIONS),
                    LinePlot.Series.level("0.15", BT_FLOOR, 1, ITERATIONS)));
        }

        @Override public List<Claim> claims() {
            double avg = last(exploitability(sppoAverage())), eg = last(exploitability(extragradient));
            double bt = last(exploitability(btDpo.iterates())), sppoLast = last(exploitability(sppo));
            double[] nash = margins(NASH);
            double nashErr = Math.max(Math.abs(nash[0]), Math.max(Math.abs(nash[1]), Math.abs(nash[2])));
            return List.of(
                    new Claim("Nash (1/3, 2/9, 4/9) has zero expected margins", String.format(Locale.ROOT,
                            "max |margin| %.1e", nashErr), nashErr < 1e-12),
                    new Claim("SPPO time-average exploitability < 0.01 after " + ITERATIONS + " iterations",
                            String.format(Locale.ROOT, "%.5f, below 0.01 since iteration %d (last iterate %.4f)", avg,
                                    belowSince(exploitability(sppoAverage())), sppoLast), avg < TARGET),
                    new Claim("extragradient last-iterate exploitability < 0.01 after " + ITERATIONS + " iterations",
                            String.format(Locale.ROOT, "%.2e, pi=(%.4f, %.4f, %.4f)", eg, extragradient[ITERATIONS - 1][0],
                                    extragradient[ITERATIONS - 1][1], extragradient[ITERATIONS - 1][2]), eg < TARGET),
                    new Claim("BT + DPO (beta=0.1) stays >= 0.15 exploitable", String.format(Locale.ROOT,
                            "%.4f, BT scores (%.4f, %.4f, %.4f)", bt, btDpo.scores()[0], btDpo.scores()[1],
                            btDpo.scores()[2]), bt >= BT_FLOOR));
        }

        private static double last(double[] a) { return a[a.length - 1]; }

        /** The iteration (1-based) after which every value is below the target. */
        static int belowSince(double[] a) {
            int t = a.length;
            while (t > 0 && a[t - 1] < TARGET) t--;
            return t + 1;
        }
    }
}
