package org.jpo.bandit;

import org.jpo.loss.Ipo;
import org.jpo.loss.ReferencedLoss;
import org.jpo.loss.Sigmoid;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Bandit check 1: IPO does not overfit deterministic preferences, DPO does (Azar et al., arXiv:2310.12036, §5).
 *
 * <p>K = 3, uniform reference, the data y1≻y2, y2≻y3, y1≻y3 once each, trained full-batch with β = τ for
 * τ ∈ {0.1, 0.5, 1}. With a = log π(y1)/π(y2), b = log π(y2)/π(y3) and c = 1/(2τ), IPO (the summed form of
 * Eq. 17) minimizes (a−c)² + (b−c)² + (a+b−c)², whose minimum is a = b = 2c/3 = 1/(3τ), so
 * log π(y1)/π(y3) = 2/(3τ). DPO's −logσ(β·gap) has no finite minimizer, so its gaps grow with every step.
 * Gradient descent with lr 0.25: in θ the IPO loss is quadratic with Hessian eigenvalues 2, 2, 0, so each
 * step halves the distance to the optimum.
 */
public final class IpoVsDpo {
    static final double[] TAUS = {0.1, 0.5, 1.0};
    /** Checkpoint spacing N: DPO's gaps are compared after N, 2N, …, 10N steps. */
    static final int N = 50;
    static final int RECORD_EVERY = 5;
    static final double LR = 0.25;
    static final Pairs DATA = Pairs.of(new int[] {0, 1, 0}, new int[] {1, 2, 2});
    static final double[] UNIFORM = Probabilities.log(new double[] {1.0 / 3, 1.0 / 3, 1.0 / 3});
    /** After 500 halvings the distance to the optimum is rounding: the largest error measured is 2.2e-16 (τ = 0.5). */
    static final double IPO_TOLERANCE = 1e-14;

    private IpoVsDpo() {}

    /** The log-ratio gaps log π(y1)/π(y2), log π(y2)/π(y3), log π(y1)/π(y3) after {@code steps[i]} steps. */
    public record Trace(int[] steps, double[][] gaps) {
        /** The gaps at step {@code step} (a multiple of the recording interval). */
        public double[] at(int step) { return gaps[step / RECORD_EVERY]; }

        public double[] last() { return gaps[gaps.length - 1]; }
    }

    /** One τ: the closed-form IPO target 1/(3τ) and both traces. */
    public record Run(double tau, Trace ipo, Trace dpo) {
        public double target() { return 1 / (3 * tau); }

        /** DPO's gaps after N, 2N, …, 10N steps (rows) for the three pairs (columns). */
        public double[][] dpoCheckpoints() {
            double[][] out = new double[10][];
            for (int m = 1; m <= 10; m++) out[m - 1] = dpo.at(m * N);
            return out;
        }
    }

    public static Result run() {
        List<Run> runs = new ArrayList<>();
        for (double tau : TAUS) runs.add(new Run(tau, train(new Ipo(tau, true)), train(new Sigmoid(tau))));
        return new Result(runs);
    }

    /** 10N full-batch steps from the uniform policy, recording the gaps every few steps. */
    static Trace train(ReferencedLoss loss) {
        int records = 10 * N / RECORD_EVERY + 1;
        int[] steps = new int[records];
        double[][] gaps = new double[records][];
        try (SoftmaxPolicy pi = new SoftmaxPolicy(UNIFORM)) {
            for (int i = 0; i < records; i++) {
                if (i > 0) pi.train(loss, DATA, UNIFORM, Optional.empty(), new Optimizer.GradientDescent(LR), RECORD_EVERY);
                steps[i] = i * RECORD_EVERY;
                double[] lp = pi.logProbs();
                gaps[i] = new double[] {lp[0] - lp[1], lp[1] - lp[2], lp[0] - lp[2]};
            }
        }
        return new Trace(steps, gaps);
    }

    public record Result(List<Run> runs) implements ExperimentResult {
        @Override public Experiment experiment() { return Experiment.IPO_VS_DPO; }

        @Override public String setup() {
            return "K=3, uniform reference, data y1>y2, y2>y3, y1>y3 once each (full batch), beta=tau, "
                    + "IPO summed form vs DPO sigmoid, gradient descent lr=" + LR + ", " + 10 * N + " steps";
        }

        @Override public Table table() {
            Table t = new Table("tau", "step", "ipo_gap12", "ipo_gap23", "ipo_gap13", "ipo_target12",
                    "dpo_gap12", "dpo_gap23", "dpo_gap13");
            for (Run r : runs) {
                for (int m = 0; m <= 10; m++) {
                    double[] ipo = r.ipo().at(m * N), dpo = r.dpo().at(m * N);
                    t.row(r.tau(), m * N, ipo[0], ipo[1], ipo[2], r.target(), dpo[0], dpo[1], dpo[2]);
                }
            }
            return t;
        }

        @Override public LinePlot plot() {
            List<LinePlot.Series> series = new ArrayList<>();
            for (int i = 0; i < runs.size(); i++) {
                Run r = runs.get(i);
                double[] x = java.util.Arrays.stream(r.ipo().steps()).asDoubleStream().toArray();
                series.add(LinePlot.Series.line("IPO tau=" + r.tau(), x, column(r.ipo().gaps(), 0)).solid(i));
                series.add(LinePlot.Series.line("DPO tau=" + r.tau(), x, column(r.dpo().gaps(), 0)).dashed(i));
            }
            return new LinePlot("IPO (solid) settles at 1/(3 tau); DPO (dashed) keeps growing", "gradient steps",
                    "log pi(y1)/pi(y2)", LinePlot.Scale.LINEAR, LinePlot.Scale.LINEAR, series);
        }

        @Override public List<Claim> claims() {
            List<Claim> checks = new ArrayList<>();
            for (Run r : runs) {
                double[] g = r.ipo().last();
                double err = Math.max(Math.max(Math.abs(g[0] - r.target()), Math.abs(g[1] - r.target())),
                        Math.abs(g[2] - 2 * r.target()));
                checks.add(new Claim(String.format(Locale.ROOT, "tau=%s: IPO gaps = 1/(3tau) = %.4f (y1/y3 = %.4f) within %.0e",
                        r.tau(), r.target(), 2 * r.target(), IPO_TOLERANCE), String.format(Locale.ROOT,
                        "%.6f, %.6f, %.6f (max error %.1e)", g[0], g[1], g[2], err), err < IPO_TOLERANCE));
                checks.add(dpoGrows(r));
            }
            return checks;
        }

        private static Claim dpoGrows(Run r) {
            double[][] cp = r.dpoCheckpoints();
            boolean increasing = true;
            for (int m = 1; m < cp.length; m++) {
                for (int j = 0; j < 3; j++) increasing &= cp[m][j] > cp[m - 1][j];
            }
            return new Claim(String.format(Locale.ROOT, "tau=%s: DPO gaps strictly increase after %d, %d, ..., %d steps",
                    r.tau(), N, 2 * N, 10 * N), String.format(Locale.ROOT, "log pi(y1)/pi(y2) %.4f -> %.4f, y2/y3 %.4f -> %.4f",
                    cp[0][0], cp[9][0], cp[0][1], cp[9][1]), increasing);
        }

        private static double[] column(double[][] rows, int j) {
            double[] c = new double[rows.length];
            for (int i = 0; i < rows.length; i++) c[i] = rows[i][j];
            return c;
        }
    }
}
