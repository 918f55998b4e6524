package org.jpo.bandit;

import org.jpo.loss.Sigmoid;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Bandit check 4: online vs offline data at an equal label budget (Xiong et al., arXiv:2312.11456;
 * Song et al., arXiv:2406.01462).
 *
 * <p>K = 8 actions with reward r = (0, 0, 0, 0, 1, 3, 4, 5) and a fixed reference π_ref = (0.30, 0.25, 0.20,
 * 0.15, 0.07, 0.01, 0.01, 0.01) that rarely samples the good actions: the three best have probability 0.01
 * each, so E_ref[r] = 0.19, while the KL-optimum π* ∝ π_ref·exp(r/β) has E[r] = 4.83. Labels are
 * Bradley–Terry, P(i≻j) = σ(r_i − r_j); β = 0.5; the sigmoid loss against the fixed reference, trained with
 * torch Adam (lr 0.1, a fresh state per training call). Offline pairs almost never compare two of the top
 * three actions with each other (about 2·B·6·10⁻⁴ such pairs), so offline DPO lifts all three and cannot
 * rank them; online rounds sample them once the policy has moved toward them.
 * <ul>
 *   <li><b>offline</b>: all B pairs drawn from π_ref, then 200 full-batch steps;</li>
 *   <li><b>online</b>: 4 rounds of B/4 pairs drawn from the current policy, each round followed by 50
 *       full-batch steps on every label gathered so far.</li>
 * </ul>
 * Both see B labels and take 200 steps. Pairs are two distinct actions. Each budget is run for 20 seeds
 * (trained in lockstep as replicas of one {@link SoftmaxPolicy}); the table gives the mean expected reward
 * E_π[r], its standard error, and z = (online − offline)/SE of the difference. The claims are stated at
 * fixed budgets, one each: z &gt; 2 at B = 256 and z ≤ 2 at B = 16.
 */
public final class OnlineVsOffline {
    static final double[] REWARD = {0, 0, 0, 0, 1, 3, 4, 5};
    static final double[] REFERENCE = {0.30, 0.25, 0.20, 0.15, 0.07, 0.01, 0.01, 0.01};
    static final double BETA = 0.5, LR = 0.1;
    static final int ROUNDS = 4, STEPS_PER_ROUND = 50, SEEDS = 20;
    static final int[] BUDGETS = {16, 32, 64, 128, 256, 512, 1024};
    /** The budget at which online must beat offline by more than two standard errors. */
    static final int CHECKED_BUDGET = 256;
    /**
     * The budget at which online must not beat offline (z ≤ 2): with 4 pairs a round, online's later rounds
     * sample from a policy that barely moved, so an edge here would mean online got more than its budget.
     */
    static final int TINY_BUDGET = 16;

    private OnlineVsOffline() {}

    public static Result run(long seed) {
        List<Row> rows = new ArrayList<>();
        for (int budget : BUDGETS) rows.add(new Row(budget, offline(budget, seed), online(budget, seed)));
        return new Result(seed, rows);
    }

    /** E_π[r] for each of the 20 seeds after offline DPO on {@code budget} reference pairs. */
    static double[] offline(int budget, long seed) {
        PreferenceOracle labels = new PreferenceOracle(REWARD);
        List<Pairs> data = new ArrayList<>();
        for (int s = 0; s < SEEDS; s++) data.add(labels.sample(REFERENCE, budget, seed, stream("offline", budget, s), 0));
        try (SoftmaxPolicy pi = new SoftmaxPolicy(references())) {
            pi.train(new Sigmoid(BETA), data, references(), Optional.empty(), new Optimizer.Adam(LR), ROUNDS * STEPS_PER_ROUND);
            return expectedRewards(pi);
        }
    }

    /** E_π[r] for each of the 20 seeds after 4 rounds of online DPO with {@code budget}/4 labels each. */
    static double[] online(int budget, long seed) {
        PreferenceOracle labels = new PreferenceOracle(REWARD);
        List<Pairs> data = new ArrayList<>();
        for (int s = 0; s < SEEDS; s++) data.add(Pairs.of(new int[0], new int[0]));
        try (SoftmaxPolicy pi = new SoftmaxPolicy(references())) {
            for (int round = 1; round <= ROUNDS; round++) {
                double[][] now = pi.allLogProbs();
                for (int s = 0; s < SEEDS; s++) {
                    double[] p = Arrays.stream(now[s]).map(Math::exp).toArray();
                    data.set(s, data.get(s).plus(labels.sample(p, budget / ROUNDS, seed, stream("online", budget, s), round)));
                }
                pi.train(new Sigmoid(BETA), data, references(), Optional.empty(), new Optimizer.Adam(LR), STEPS_PER_ROUND);
            }
            return expectedRewards(pi);
        }
    }

    private static String stream(String method, int budget, int replica) {
        return "online-vs-offline/" + method + "/budget=" + budget + "/replica=" + replica;
    }

    private static double[][] references() {
        double[][] refs = new double[SEEDS][];
        Arrays.fill(refs, Probabilities.log(REFERENCE));
        return refs;
    }

    private static double[] expectedRewards(SoftmaxPolicy pi) {
        return Arrays.stream(pi.allLogProbs())
                .mapToDouble(lp -> Probabilities.expectation(Arrays.stream(lp).map(Math::exp).toArray(), REWARD))
                .toArray();
    }

    /** E_π*[r] for π* ∝ π_ref·exp(r/β), the best a KL-regularized learner can do. */
    public static double optimumReward() {
        double[] logits = new double[REWARD.length];
        for (int y = 0; y < logits.length; y++) logits[y] = Math.log(REFERENCE[y]) + REWARD[y] / BETA;
        double[] star = Arrays.stream(Probabilities.logNormalize(logits)).map(Math::exp).toArray();
        return Probabilities.expectation(star, REWARD);
    }

    /** One budget: the expected reward of each seed for both methods. */
    public record Row(int budget, double[] offline, double[] online) {
        public double offlineMean() { return mean(offline); }

        public double onlineMean() { return mean(online); }

        public double offlineSe() { return se(offline); }

        public double onlineSe() { return se(online); }

        /** (online − offline) / SE of the difference (independent seeds per method). */
        public double z() {
            return (onlineMean() - offlineMean()) / Math.hypot(onlineSe(), offlineSe());
        }

        public String verdict() { return z() > 2 ? "online better" : z() < -2 ? "offline better" : "meet"; }

        static double mean(double[] a) { return Arrays.stream(a).average().orElseThrow(); }

        static double se(double[] a) {
            double m = mean(a), ss = 0;
            for (double v : a) ss += (v - m) * (v - m);
            return Math.sqrt(ss / (a.length - 1) / a.length);
        }
    }

    public record Result(long seed, List<Row> rows) implements ExperimentResult {
        @Override public Experiment experiment() { return Experiment.ONLINE_VS_OFFLINE; }

        @Override public String setup() {
            return String.format(Locale.ROOT, "K=8, r=(0,0,0,0,1,3,4,5), pi_ref=(.30,.25,.20,.15,.07,.01,.01,.01) (E_ref[r]=%.2f, "
                    + "E_pi*[r]=%.2f), beta=%s, BT labels, Adam lr %s; offline: B reference pairs + %d steps; online: "
                    + "%d rounds of B/%d on-policy pairs + %d steps each; %d seeds from seed %d",
                    Probabilities.expectation(REFERENCE, REWARD), optimumReward(), BETA, LR, ROUNDS * STEPS_PER_ROUND,
                    ROUNDS, ROUNDS, STEPS_PER_ROUND, SEEDS, seed);
        }

        @Override public Table table() {
            Table t = new Table("budget", "offline_mean", "offline_se", "online_mean", "online_se", "z", "verdict");
            for (Row r : rows) {
                t.row(r.budget(), r.offlineMean(), r.offlineSe(), r.onlineMean(), r.onlineSe(), r.z(), r.verdict());
            }
            return t;
        }

        @Override public LinePlot plot() {
            double[] x = rows.stream().mapToDouble(Row::budget).toArray();
            return new LinePlot("Online vs offline DPO at equal label budgets (mean of " + SEEDS + " seeds)",
                    "label budget", "expected reward", LinePlot.Scale.LOG, LinePlot.Scale.LINEAR, List.of(
                    LinePlot.Series.line("online", x, rows.stream().mapToDouble(Row::onlineMean).toArray()),
                    LinePlot.Series.line("offline", x, rows.stream().mapToDouble(Row::offlineMean).toArray()),
                    LinePlot.Series.level("KL-optimum pi*", optimumReward(), x[0], x[x.length - 1]),
                    LinePlot.Series.level("reference", Probabilities.expectation(REFERENCE, REWARD), x[0], x[x.length - 1])));
        }

        @Override public List<Claim> claims() {
            Row checked = row(CHECKED_BUDGET), tiny = row(TINY_BUDGET);
            return List.of(
                    new Claim("budget " + CHECKED_BUDGET + ": online beats offline by more than 2 standard errors",
                            describe(checked), checked.z() > 2),
                    new Claim("budget " + TINY_BUDGET + " (" + TINY_BUDGET / ROUNDS + " pairs a round): online does not "
                            + "beat offline (z <= 2)", describe(tiny), tiny.z() <= 2));
        }

        public Row row(int budget) {
            return rows.stream().filter(r -> r.budget() == budget).findFirst().orElseThrow();
        }

        private static String describe(Row r) {
            return String.format(Locale.ROOT, "online %.3f +- %.3f, offline %.3f +- %.3f, z = %.2f",
                    r.onlineMean(), r.onlineSe(), r.offlineMean(), r.offlineSe(), r.z());
        }
    }
}
