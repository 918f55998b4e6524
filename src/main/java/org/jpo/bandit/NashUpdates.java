package org.jpo.bandit;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.jpo.loss.Egpo;
import org.jpo.loss.GroupBatch;
import org.jpo.loss.GroupLoss;
import org.jpo.loss.Inpo;
import org.jpo.loss.LossType;
import org.jpo.pairs.Advantages;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import static org.jpo.bandit.Intransitive.P;
import static org.jpo.tensor.Tensors.*;

/**
 * Bandit check 7: the Nash updates inpo, egpo and spo on the intransitive game of check 3 (P(y1≻y2) = 0.9, P(y2≻y3) = 0.8,
 * P(y3≻y1) = 0.7; Nash π* = (1/3, 2/9, 4/9)), through the library's losses, in exact expectation: a round's data are all
 * pairs (i, j) of actions, weighted π_s(i)·π_s(j)·P(i≻j) and labelled i ≻ j, the distribution of pairs y, y′ ~ π_s labelled
 * by the preference oracle (π_s the sampling policy). The reference is uniform.
 *
 * <ul>
 *   <li><b>inpo</b> (arXiv:2407.00617), τ = 0.1, η = 2: each iteration minimizes the inpo loss from π_t (20 gradient steps,
 *       lr 0.5), which is the step π_{t+1} ∝ π_t^{1−ητ}·π_ref^{ητ}·exp(η·P(y≻π_t)); it converges to the τ-regularized
 *       Nash π ∝ π_ref·exp(P(y≻π)/τ).</li>
 *   <li><b>egpo</b> (arXiv:2503.08942), β = 0.02, lr 0.05: one gradient step of the egpo loss on π_t's pairs gives
 *       θ_{t+½}; then one from θ_t on π_{t+½}'s pairs gives θ_{t+1}. It converges to the β-regularized Nash; the same
 *       steps without the extrapolation (online IPO, each step on π_t's pairs) do not, at this step size.</li>
 *   <li><b>spo</b> (arXiv:2401.04056), lr 1: the expected update of the spo group loss over every group of G = 3 samples
 *       (27), each sample's reward its win rate against the other two, advantage reward − ½ (pairs' {@link Advantages});
 *       ascent on it is the policy gradient π ⊙ (P(·≻π) − ½). Its average iterate approaches the Nash; its last iterate
 *       cycles.</li>
 * </ul>
 * Convergence to a τ-regularized Nash is measured by its defining equation, τ·log π(y) = P(y≻π) + c for every y: the
 * residual max_y |τ·(log π(y) − mean log π) − (P(y≻π) − mean P(·≻π))|, 0 exactly there.
 */
public final class NashUpdates {
    static final int ITERATIONS = 150, INNER_STEPS = 20, K = 3, G = 3;
    static final double INPO_TAU = 0.1, INPO_ETA = 2, INNER_LR = 0.5;
    static final double EGPO_BETA = 0.02, EGPO_LR = 0.05;
    static final double SPO_LR = 1;
    static final double RESIDUAL = 1e-6, SPO_AVERAGE = 0.01, SPO_LAST = 0.03, NO_EXTRAPOLATION = 0.1;

    private NashUpdates() {}

    public static Result run() {
        return new Result(inpo(), egpo(true), egpo(false), spo(), spoUpdateGap(new double[] {0.3, -0.4, 0.9}));
    }

    /** The policies π_1 … π_T of INPO's self-play from uniform. */
    static double[][] inpo() {
        double[][] iterates = new double[ITERATIONS][];
        Inpo loss = new Inpo(INPO_ETA, INPO_TAU);
        try (SoftmaxPolicy pi = new SoftmaxPolicy(Intransitive.UNIFORM)) {
            for (int t = 0; t < ITERATIONS; t++) {
                pi.train(loss, oracle(pi.probs()), Intransitive.UNIFORM, pi.logProbs(), new Optimizer.GradientDescent(INNER_LR), INNER_STEPS);
                iterates[t] = pi.probs();
            }
        }
        return iterates;
    }

    /** EGPO's last iterates from uniform; without {@code extrapolate}, online IPO (every step on the current policy's pairs). */
    static double[][] egpo(boolean extrapolate) {
        double[][] iterates = new double[ITERATIONS][];
        Egpo loss = new Egpo(EGPO_BETA, true);
        try (SoftmaxPolicy pi = new SoftmaxPolicy(Intransitive.UNIFORM)) {
            for (int t = 0; t < ITERATIONS; t++) {
                Pairs pairs = oracle(pi.probs());
                if (extrapolate) {
                    try (SoftmaxPolicy half = new SoftmaxPolicy(pi.logProbs())) {
                        half.train(loss, pairs, Intransitive.UNIFORM, Optional.empty(), new Optimizer.GradientDescent(EGPO_LR), 1);
                        pairs = oracle(half.probs());
                    }
                }
                pi.train(loss, pairs, Intransitive.UNIFORM, Optional.empty(), new Optimizer.GradientDescent(EGPO_LR), 1);
                iterates[t] = pi.probs();
            }
        }
        return iterates;
    }

    /** Every ordered pair i ≠ j labelled i ≻ j with weight π(i)·π(j)·P(i≻j): pairs of π's samples, labelled by the oracle. */
    static Pairs oracle(double[] pi) { return Intransitive.allPairs((i, j) -> pi[i] * pi[j] * P[i][j]); }

    /** SPO's policies after each of the ascent steps θ ← θ + lr·E[−∇loss] from uniform. */
    static double[][] spo() {
        double[] theta = new double[K];
        double[][] iterates = new double[ITERATIONS][];
        for (int t = 0; t < ITERATIONS; t++) {
            double[] u = spoUpdate(theta);
            for (int k = 0; k < K; k++) theta[k] += SPO_LR * u[k];
            iterates[t] = GroupEstimators.softmax(theta);
        }
        return iterates;
    }

    /**
     * E over the K^G groups of −∇_θ of the spo loss: a group's samples' rewards are their win rates against the group's other
     * samples (a pairwise judge's scores), their advantages the reward − ½; each row's advantage is scaled by its group's
     * probability × K^G so that the batch mean is the expectation (at ratio 1 the loss is linear in the advantages).
     */
    static double[] spoUpdate(double[] theta) {
        return GroupEstimators.expectedUpdate(theta, LossType.SPO, y -> {
            double[] wins = new double[G];
            for (int i = 0; i < G; i++) {
                for (int j = 0; j < G; j++) if (j != i) wins[i] += P[y[i]][y[j]] / (G - 1);
            }
            return Advantages.of(Advantages.Kind.SPO, wins);
        });
    }

    /** Largest |E[spo update] − π ⊙ (P(·≻π) − ½)| at θ: the estimator's bias (0: unbiased). */
    static double spoUpdateGap(double[] theta) {
        double[] p = GroupEstimators.softmax(theta), m = Intransitive.margins(p), u = spoUpdate(theta);
        double gap = 0;
        for (int k = 0; k < K; k++) gap = Math.max(gap, Math.abs(u[k] - p[k] * m[k]));
        return gap;
    }

    /** How far π is from the τ-regularized Nash with a uniform reference: the residual of τ·log π(y) = P(y≻π) + c. */
    public static double residual(double[] pi, double tau) {
        double[] w = Intransitive.winRates(pi), lp = Probabilities.log(pi);
        double mw = Arrays.stream(w).average().orElseThrow(), ml = Arrays.stream(lp).average().orElseThrow(), worst = 0;
        for (int y = 0; y < pi.length; y++) worst = Math.max(worst, Math.abs(tau * (lp[y] - ml) - (w[y] - mw)));
        return worst;
    }

    /** The running average (1/t)·Σ_{s≤t} π_s. */
    static double[][] average(double[][] iterates) {
        double[][] avg = new double[iterates.length][];
        double[] sum = new double[K];
        for (int t = 0; t < iterates.length; t++) {
            for (int y = 0; y < K; y++) sum[y] += iterates[t][y];
            avg[t] = Probabilities.normalize(sum);
        }
        return avg;
    }

    /**
     * @param inpo      INPO's iterates
     * @param egpo      EGPO's last iterates
     * @param onlineIpo the same steps without the extrapolation
     * @param spo       SPO's last iterates
     * @param spoBias   largest |E[spo update] − π ⊙ (P(·≻π) − ½)| at θ = (0.3, −0.4, 0.9)
     */
    public record Result(double[][] inpo, double[][] egpo, double[][] onlineIpo, double[][] spo, double spoBias) implements ExperimentResult {
        public double[][] spoAverage() { return average(spo); }

        static double[] exploitability(double[][] iterates) { return Arrays.stream(iterates).mapToDouble(Intransitive::exploitability).toArray(); }

        @Override public Experiment experiment() { return Experiment.NASH_UPDATES; }

        @Override public String setup() {
            return String.format(Locale.ROOT, "K=3, P(y1>y2)=0.9, P(y2>y3)=0.8, P(y3>y1)=0.7, Nash (1/3,2/9,4/9), uniform reference; exact "
                    + "expectations (pairs weighted pi(i)pi(j)P(i>j)); inpo tau=%s eta=%s (%d GD steps lr %s per iteration); egpo beta=%s "
                    + "(one GD step lr %s to pi_(t+1/2), one from pi_t), online IPO the same without the extrapolation; spo lr %s on the "
                    + "expected update over all %d groups of %d; %d iterations", INPO_TAU, INPO_ETA, INNER_STEPS, INNER_LR, EGPO_BETA, EGPO_LR,
                    SPO_LR, (int) Math.pow(K, G), G, ITERATIONS);
        }

        @Override public Table table() {
            Table t = new Table("iteration", "inpo", "egpo", "online_ipo", "spo_last", "spo_average", "inpo_residual", "egpo_residual",
                    "inpo_pi1", "inpo_pi2", "inpo_pi3", "egpo_pi1", "egpo_pi2", "egpo_pi3", "spo_avg_pi1", "spo_avg_pi2", "spo_avg_pi3");
            double[][] avg = spoAverage();
            for (int i = 0; i < ITERATIONS; i++) {
                t.row(i + 1, Intransitive.exploitability(inpo[i]), Intransitive.exploitability(egpo[i]), Intransitive.exploitability(onlineIpo[i]),
                        Intransitive.exploitability(spo[i]), Intransitive.exploitability(avg[i]), residual(inpo[i], INPO_TAU),
                        residual(egpo[i], EGPO_BETA), inpo[i][0], inpo[i][1], inpo[i][2], egpo[i][0], egpo[i][1], egpo[i][2],
                        avg[i][0], avg[i][1], avg[i][2]);
            }
            return t;
        }

        @Override public LinePlot plot() {
            double[] x = new double[ITERATIONS];
            for (int i = 0; i < x.length; i++) x[i] = i + 1;
            return new LinePlot("Nash updates on intransitive preferences: exploitability per iteration", "iteration", "exploitability",
                    LinePlot.Scale.LINEAR, LinePlot.Scale.LOG, List.of(
                    LinePlot.Series.line("INPO tau=0.1", x, exploitability(inpo)),
                    LinePlot.Series.line("EGPO beta=0.02", x, exploitability(egpo)),
                    LinePlot.Series.line("online IPO (no extrapolation)", x, exploitability(onlineIpo)),
                    LinePlot.Series.line("SPO last iterate", x, exploitability(spo)),
                    LinePlot.Series.line("SPO average", x, exploitability(spoAverage())),
                    LinePlot.Series.level("0.01", SPO_AVERAGE, 1, ITERATIONS)));
        }

        @Override public List<Claim> claims() {
            int last = ITERATIONS - 1;
            double ri = residual(inpo[last], INPO_TAU), re = residual(egpo[last], EGPO_BETA), ro = residual(onlineIpo[last], EGPO_BETA);
            double avg = Intransitive.exploitability(spoAverage()[last]), spoLast = Intransitive.exploitability(spo[last]);
            return List.of(
                    new Claim("inpo's last iterate is the tau=0.1 regularized Nash", String.format(Locale.ROOT,
                            "residual %.1e, pi=(%.4f, %.4f, %.4f), exploitability %.4f", ri, inpo[last][0], inpo[last][1], inpo[last][2],
                            Intransitive.exploitability(inpo[last])), ri < RESIDUAL),
                    new Claim("egpo's last iterate is the beta=0.02 regularized Nash", String.format(Locale.ROOT,
                            "residual %.1e, pi=(%.4f, %.4f, %.4f), exploitability %.4f", re, egpo[last][0], egpo[last][1], egpo[last][2],
                            Intransitive.exploitability(egpo[last])), re < RESIDUAL),
                    new Claim("without the extrapolation (online IPO) the same steps do not converge", String.format(Locale.ROOT,
                            "residual %.3f, exploitability %.4f", ro, Intransitive.exploitability(onlineIpo[last])), ro > NO_EXTRAPOLATION),
                    new Claim("spo's expected update is pi * (P(y>pi) - 1/2) (unbiased)", String.format(Locale.ROOT, "max |difference| %.1e", spoBias),
                            spoBias < 1e-12),
                    new Claim("spo's average iterate is < 0.01 exploitable; its last iterate cycles (> 0.03)", String.format(Locale.ROOT,
                            "average %.4f, last %.4f", avg, spoLast), avg < SPO_AVERAGE && spoLast > SPO_LAST));
        }
    }
}
