package org.jpo.bandit;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.jpo.loss.GroupBatch;
import org.jpo.loss.GroupLoss;
import org.jpo.loss.LossType;
import org.jpo.pairs.Advantages;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import static org.jpo.tensor.Tensors.*;

/**
 * Bandit check 6: the group methods' advantage estimators, exactly. K = 3 arms, rewards r = (1, 0.25, −0.5), a softmax
 * policy, groups of G = 3 samples. An expectation over groups is a sum over the K^G = 27 ways a group can fall, each
 * weighed by its probability, of the library's loss gradient (pairs' {@link Advantages}, loss' {@link GroupLoss} at ratio 1:
 * π_old = π, the first step of a round). Closed form: ∇_θ E[r] = π_k·(r_k − E r).
 *
 * <p>Expected: RLOO's expected update is ∇_θ E[r] (its leave-one-out baseline does not depend on the sample, so it is
 * unbiased); Dr. GRPO's is (G−1)/G of it (its mean baseline includes the sample: r_i − mean r = (G−1)/G·(r_i − mean_{j≠i} r));
 * GRPO's (divided by each group's std) is not a multiple of it; and ascent on the expected update of each climbs from a
 * start that favours the worst arm, θ = (−1, 0, 1), to π(best) ≥ 0.99.
 */
public final class GroupEstimators {
    static final double[] REWARD = {1.0, 0.25, -0.5};
    static final int K = 3, G = 3, STEPS = 200;
    static final double LR = 1.0, TARGET = 0.99;
    /** Where the estimators are compared with the closed form. */
    static final double[] CHECK = {0.3, -0.4, 0.9};
    static final double[] START = {-1.0, 0.0, 1.0};
    static final LossType[] METHODS = {LossType.GRPO, LossType.DR_GRPO, LossType.RLOO};

    private GroupEstimators() {}

    public static Result run() {
        double[] exact = exactGradient(CHECK);
        double[][] at = new double[METHODS.length][];
        List<double[]> climbs = new ArrayList<>();
        for (int m = 0; m < METHODS.length; m++) {
            at[m] = expectedUpdate(CHECK, METHODS[m]);
            climbs.add(climb(METHODS[m]));
        }
        return new Result(exact, at, climbs);
    }

    /** π_best after each of STEPS expected-update ascent steps θ ← θ + LR·E[−∇loss] (index 0: the start). */
    static double[] climb(LossType method) {
        double[] theta = START.clone(), best = new double[STEPS + 1];
        best[0] = softmax(theta)[0];
        for (int s = 1; s <= STEPS; s++) {
            double[] u = expectedUpdate(theta, method);
            for (int k = 0; k < K; k++) theta[k] += LR * u[k];
            best[s] = softmax(theta)[0];
        }
        return best;
    }

    static double[] softmax(double[] theta) { return Arrays.stream(Probabilities.logNormalize(theta)).map(Math::exp).toArray(); }

    /** ∇_θ E_{y~softmax(θ)}[r(y)] = π_k·(r_k − E r). */
    public static double[] exactGradient(double[] theta) {
        double[] p = softmax(theta), g = new double[K];
        double mean = 0;
        for (int k = 0; k < K; k++) mean += p[k] * REWARD[k];
        for (int k = 0; k < K; k++) g[k] = p[k] * (REWARD[k] - mean);
        return g;
    }

    /**
     * E over the K^G groups of −∇_θ loss: every group's G one-token completions in one batch of K^G·G rows, each row's
     * advantage scaled by its group's probability × K^G, so that the batch mean is the expectation (at ratio 1 the loss
     * is linear in the advantages, and nothing is clipped).
     */
    public static double[] expectedUpdate(double[] theta, LossType method) {
        return expectedUpdate(theta, method, y -> Advantages.of(kind(method), Arrays.stream(y).mapToDouble(k -> REWARD[k]).toArray()));
    }

    /** The same for K arms and groups of G, a group's advantages given by {@code advantages} from its G arms. */
    static double[] expectedUpdate(double[] theta, LossType method, java.util.function.Function<int[], double[]> advantages) {
        int groups = (int) Math.pow(K, G), rows = groups * G;
        double[] p = softmax(theta), adv = new double[rows], ones = new double[rows];
        long[] arm = new long[rows];
        for (int o = 0; o < groups; o++) {
            int[] y = new int[G];
            double prob = 1;
            for (int i = 0, c = o; i < G; i++, c /= K) {
                y[i] = c % K;
                prob *= p[y[i]];
            }
            double[] a = advantages.apply(y);
            for (int i = 0; i < G; i++) {
                arm[o * G + i] = y[i];
                adv[o * G + i] = a[i] * prob * groups;
            }
        }
        Arrays.fill(ones, 1);
        try (PointerScope scope = new PointerScope()) {
            Tensor th = doubles(theta, K).requires_grad_(true);                                      // [K]
            Tensor logp = th.log_softmax(0).index_select(0, longs(arm, rows)).unsqueeze(1);          // [R,1]
            GroupBatch b = new GroupBatch(logp, logp.detach(), Optional.empty(), doubles(ones, rows, 1), doubles(adv, rows), 1);
            new GroupLoss(method, 0.2, 0).apply(b).mean().backward();
            double[] g = toDoubles(th.grad());
            for (int k = 0; k < K; k++) g[k] = -g[k];
            return g;
        }
    }

    static Advantages.Kind kind(LossType method) {
        return switch (method) {
            case GRPO -> Advantages.Kind.GRPO;
            case DR_GRPO -> Advantages.Kind.DR_GRPO;
            case RLOO -> Advantages.Kind.RLOO;
            default -> throw new IllegalArgumentException(method + " is not a group loss");
        };
    }

    /** The first step with π(best) ≥ 0.99, or −1. */
    static int stepsToTarget(double[] best) {
        for (int s = 0; s < best.length; s++) if (best[s] >= TARGET) return s;
        return -1;
    }

    /** Largest |a_k − c·b_k|. */
    static double gap(double[] a, double[] b, double c) {
        double m = 0;
        for (int k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k] - c * b[k]));
        return m;
    }

    /**
     * @param exact  ∇_θ E[r] at {@link #CHECK}
     * @param at     each method's expected update at {@link #CHECK}
     * @param climbs each method's π(best) per ascent step
     */
    public record Result(double[] exact, double[][] at, List<double[]> climbs) implements ExperimentResult {
        @Override public Experiment experiment() { return Experiment.GROUP_ESTIMATORS; }

        @Override public String setup() {
            return String.format(Locale.ROOT, "K=%d, r=(1,0.25,-0.5), softmax policy, groups of G=%d enumerated (%d), loss at ratio 1; "
                    + "estimators compared at theta=(0.3,-0.4,0.9); ascent from theta=(-1,0,1), lr %s, %d steps", K, G, (int) Math.pow(K, G), LR, STEPS);
        }

        @Override public Table table() {
            Table t = new Table("step", "pi_best_grpo", "pi_best_dr_grpo", "pi_best_rloo");
            for (int s = 0; s <= STEPS; s += 10) t.row(s, climbs.get(0)[s], climbs.get(1)[s], climbs.get(2)[s]);
            return t;
        }

        @Override public LinePlot plot() {
            double[] x = new double[STEPS + 1];
            for (int s = 0; s < x.length; s++) x[s] = s;
            List<LinePlot.Series> series = new ArrayList<>();
            for (int m = 0; m < METHODS.length; m++) series.add(LinePlot.Series.line(METHODS[m].key, x, climbs.get(m)));
            series.add(LinePlot.Series.level("0.99 (target)", TARGET, 0, STEPS));
            return new LinePlot("Group estimators: ascent on the exact expected update", "step", "pi(best arm)",
                    LinePlot.Scale.LINEAR, LinePlot.Scale.LINEAR, series);
        }

        @Override public List<Claim> claims() {
            double rloo = gap(at[2], exact, 1), dr = gap(at[1], exact, (G - 1.0) / G);
            double c = at[0][0] / exact[0], grpo = gap(at[0], exact, c);
            int[] steps = new int[METHODS.length];
            for (int m = 0; m < METHODS.length; m++) steps[m] = stepsToTarget(climbs.get(m));
            return List.of(
                    new Claim("RLOO's expected update is grad E[r] (unbiased)", String.format(Locale.ROOT, "max |difference| %.1e", rloo), rloo < 1e-12),
                    new Claim("Dr. GRPO's is (G-1)/G grad E[r]", String.format(Locale.ROOT, "max |difference| %.1e", dr), dr < 1e-12),
                    new Claim("GRPO's (std-normalised) is not a multiple of grad E[r]",
                            String.format(Locale.ROOT, "max |difference| from the multiple that matches the first arm: %.1e", grpo), grpo > 1e-6),
                    new Claim("ascent on each expected update reaches pi(best) >= 0.99",
                            String.format(Locale.ROOT, "grpo %s, dr_grpo %s, rloo %s steps", show(steps[0]), show(steps[1]), show(steps[2])),
                            Arrays.stream(steps).allMatch(s -> s >= 0)));
        }

        private static String show(int steps) { return steps < 0 ? "not within " + STEPS : Integer.toString(steps); }
    }
}
