package org.jpo.bandit;

import org.jpo.loss.Sigmoid;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Bandit check 2: online iterative DPO approaches the KL-regularized optimum π*(y) ∝ π_ref(y)·exp(r(y)/β),
 * the minimizer of DPO's population loss under Bradley–Terry labels (Rafailov et al., arXiv:2305.18290, §4).
 *
 * <p>K = 5, reward r = (1, 0.5, 0, −0.5, −1), a fixed reference π_ref = (0.05, 0.10, 0.15, 0.30, 0.40) that
 * prefers the worst actions, β = 0.5, labels P(i ≻ j) = σ(r_i − r_j). Each round draws 1000 pairs of two
 * distinct actions from the current policy, labels them, and runs 10 full-batch gradient-descent steps
 * (lr 20) of the sigmoid loss on every label gathered so far (as in Xiong et al., arXiv:2312.11456, the
 * estimate uses all past rounds). KL(π*‖π) is reported after each round; round 0 is the reference.
 */
public final class KlOptimum {
    static final double[] REWARD = {1, 0.5, 0, -0.5, -1};
    static final double[] REFERENCE = {0.05, 0.10, 0.15, 0.30, 0.40};
    static final double BETA = 0.5;
    static final int ROUNDS = 10, PAIRS_PER_ROUND = 1000, STEPS = 10;
    static final double LR = 20;
    static final double TARGET = 0.01;

    private KlOptimum() {}

    /** π*(y) ∝ π_ref(y)·exp(r(y)/β). */
    public static double[] optimum() {
        double[] logits = new double[REWARD.length];
        for (int y = 0; y < logits.length; y++) logits[y] = Math.log(REFERENCE[y]) + REWARD[y] / BETA;
        return Probabilities.normalize(java.util.Arrays.stream(Probabilities.logNormalize(logits)).map(Math::exp).toArray());
    }

    public static Result run(long seed) {
        double[] ref = Probabilities.log(REFERENCE), star = optimum();
        PreferenceOracle labels = new PreferenceOracle(REWARD);
        double[] kl = new double[ROUNDS + 1];
        double[][] policies = new double[ROUNDS + 1][];
        try (SoftmaxPolicy pi = new SoftmaxPolicy(ref)) {
            policies[0] = pi.probs();
            kl[0] = Probabilities.kl(star, policies[0]);
            Pairs data = Pairs.of(new int[0], new int[0]);
            for (int round = 1; round <= ROUNDS; round++) {
                data = data.plus(labels.sample(pi.probs(), PAIRS_PER_ROUND, seed, "kl-optimum", round));
                pi.train(new Sigmoid(BETA), data, ref, Optional.empty(), new Optimizer.GradientDescent(LR), STEPS);
                policies[round] = pi.probs();
                kl[round] = Probabilities.kl(star, policies[round]);
            }
        }
        return new Result(seed, star, kl, policies);
    }

    /** KL(π*‖π_t) and π_t after each round t (t = 0: the reference). */
    public record Result(long seed, double[] optimum, double[] kl, double[][] policies) implements ExperimentResult {
        @Override public Experiment experiment() { return Experiment.KL_OPTIMUM; }

        @Override public String setup() {
            return String.format(Locale.ROOT, "K=5, r=(1,0.5,0,-0.5,-1), fixed pi_ref=(0.05,0.10,0.15,0.30,0.40), beta=%s, "
                    + "BT labels; %d rounds x %d on-policy pairs, %d GD steps (lr %s) on all labels so far; seed %d",
                    BETA, ROUNDS, PAIRS_PER_ROUND, STEPS, LR, seed);
        }

        @Override public Table table() {
            Table t = new Table("round", "labels", "kl_star_pi", "pi_1", "pi_2", "pi_3", "pi_4", "pi_5");
            t.row(-1, 0, 0.0, optimum[0], optimum[1], optimum[2], optimum[3], optimum[4]);
            for (int r = 0; r < kl.length; r++) {
                double[] p = policies[r];
                t.row(r, r * PAIRS_PER_ROUND, kl[r], p[0], p[1], p[2], p[3], p[4]);
            }
            return t;
        }

        @Override public LinePlot plot() {
            double[] rounds = new double[kl.length];
            for (int r = 0; r < rounds.length; r++) rounds[r] = r;
            return new LinePlot("Online DPO approaches pi* = pi_ref exp(r/beta)/Z", "round", "KL(pi* || pi)",
                    LinePlot.Scale.LINEAR, LinePlot.Scale.LOG, List.of(
                            LinePlot.Series.line("online DPO, seed " + seed, rounds, kl),
                            LinePlot.Series.level("target 0.01", TARGET, 0, ROUNDS)));
        }

        @Override public List<Claim> claims() {
            List<Claim> checks = new ArrayList<>();
            double last = kl[kl.length - 1];
            checks.add(new Claim("KL(pi*||pi) after the last round < " + TARGET,
                    String.format(Locale.ROOT, "%.5f (reference: %.4f)", last, kl[0]), last < TARGET));
            return checks;
        }
    }
}
