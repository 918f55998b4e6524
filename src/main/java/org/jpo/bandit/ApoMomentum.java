package org.jpo.bandit;

import org.jpo.loss.Sigmoid;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Bandit check 5: APO momentum (He et al., Accelerated Preference Optimization, arXiv:2410.05951).
 *
 * <p>Iterative DPO where each round's reference is the previous round's policy, so the policy climbs
 * toward the best action. APO replaces the reference by the extrapolation
 * log π̃_t = log π_t + α·(log π_t − log π_{t−1}), renormalized; α = 0 is plain iterative DPO.
 *
 * <p>K = 5, reward r = (0, 1, 2, 3, 4), π_0 uniform, β = 1, labels P(i≻j) = σ(r_i − r_j). Each round draws
 * 2000 pairs of distinct actions from π_t, labels them, and trains the policy from π_t for 5 full-batch
 * gradient-descent steps (lr 1) of the sigmoid loss against π̃_t. Both α use the same random streams.
 * Reported: E_π[r] per round and the first round with E_π[r] ≥ 0.99·max r.
 */
public final class ApoMomentum {
    static final double[] REWARD = {0, 1, 2, 3, 4};
    static final double BETA = 1, LR = 1;
    static final int PAIRS_PER_ROUND = 2000, STEPS = 5, MAX_ROUNDS = 15;
    static final double[] ALPHAS = {0, 0.3};
    static final double FRACTION = 0.99;

    private ApoMomentum() {}

    public static Result run(long seed) {
        List<Trace> traces = new ArrayList<>();
        for (double alpha : ALPHAS) traces.add(climb(alpha, seed));
        return new Result(seed, traces);
    }

    /** E_π[r] after rounds 0 … MAX_ROUNDS of iterative DPO with momentum α. */
    static Trace climb(double alpha, long seed) {
        PreferenceOracle labels = new PreferenceOracle(REWARD);
        double[] reward = new double[MAX_ROUNDS + 1];
        double[] uniform = Probabilities.log(new double[] {0.2, 0.2, 0.2, 0.2, 0.2});
        try (SoftmaxPolicy pi = new SoftmaxPolicy(uniform)) {
            double[] previous = pi.logProbs();
            reward[0] = pi.expected(REWARD);
            for (int round = 1; round <= MAX_ROUNDS; round++) {
                double[] now = pi.logProbs();
                double[] ref = extrapolate(now, previous, alpha);
                Pairs pairs = labels.sample(pi.probs(), PAIRS_PER_ROUND, seed, "apo-momentum", round);
                pi.train(new Sigmoid(BETA), pairs, ref, Optional.empty(), new Optimizer.GradientDescent(LR), STEPS);
                previous = now;
                reward[round] = pi.expected(REWARD);
            }
        }
        return new Trace(alpha, reward);
    }

    /** log π̃ = log π_t + α·(log π_t − log π_{t−1}), renormalized. */
    static double[] extrapolate(double[] now, double[] previous, double alpha) {
        double[] logits = new double[now.length];
        for (int y = 0; y < now.length; y++) logits[y] = now[y] + alpha * (now[y] - previous[y]);
        return Probabilities.logNormalize(logits);
    }

    /** E_π[r] after each round (index 0: π_0) for one α. */
    public record Trace(double alpha, double[] expectedReward) {
        /** The first round with E_π[r] ≥ 0.99·max r, or −1 if none within the horizon. */
        public int roundsToTarget() {
            double target = FRACTION * max();
            for (int t = 0; t < expectedReward.length; t++) if (expectedReward[t] >= target) return t;
            return -1;
        }

        static double max() { return java.util.Arrays.stream(REWARD).max().orElseThrow(); }
    }

    public record Result(long seed, List<Trace> traces) implements ExperimentResult {
        @Override public Experiment experiment() { return Experiment.APO_MOMENTUM; }

        @Override public String setup() {
            return String.format(Locale.ROOT, "K=5, r=(0,1,2,3,4), pi_0 uniform, beta=%s, BT labels, %d on-policy pairs/round, "
                    + "%d GD steps (lr %s) per round against the (extrapolated) previous policy; seed %d",
                    BETA, PAIRS_PER_ROUND, STEPS, LR, seed);
        }

        @Override public Table table() {
            Table t = new Table("round", "expected_reward_alpha0", "expected_reward_alpha0.3", "target");
            Trace a = traces.get(0), b = traces.get(1);
            for (int r = 0; r <= MAX_ROUNDS; r++) {
                t.row(r, a.expectedReward()[r], b.expectedReward()[r], FRACTION * Trace.max());
            }
            return t;
        }

        /** The shortfall max r − E_π[r] on a log axis, where geometric convergence is a straight line. */
        @Override public LinePlot plot() {
            double[] x = new double[MAX_ROUNDS + 1];
            for (int r = 0; r < x.length; r++) x[r] = r;
            List<LinePlot.Series> series = new ArrayList<>();
            for (Trace tr : traces) {
                double[] gap = java.util.Arrays.stream(tr.expectedReward()).map(e -> Trace.max() - e).toArray();
                series.add(LinePlot.Series.line("alpha=" + tr.alpha(), x, gap));
            }
            series.add(LinePlot.Series.level("1% of max (target)", (1 - FRACTION) * Trace.max(), 0, MAX_ROUNDS));
            return new LinePlot("APO momentum: iterative DPO with an extrapolated reference", "round",
                    "max r - expected reward", LinePlot.Scale.LINEAR, LinePlot.Scale.LOG, series);
        }

        @Override public List<Claim> claims() {
            int plain = traces.get(0).roundsToTarget(), momentum = traces.get(1).roundsToTarget();
            boolean pass = momentum >= 0 && (plain < 0 || momentum < plain);
            return List.of(new Claim("alpha=0.3 reaches 99% of the maximum expected reward in fewer rounds than alpha=0",
                    String.format(Locale.ROOT, "alpha=0.3: %s rounds, alpha=0: %s rounds", show(momentum), show(plain)), pass));
        }

        private static String show(int rounds) { return rounds < 0 ? "not within " + MAX_ROUNDS : Integer.toString(rounds); }
    }
}
