package org.jpo.pairs;

/**
 * A group's advantages from its scores alone: how far each sample's reward is above a baseline for its prompt. Pure
 * doubles, so the estimators can be checked on paper and by exact enumeration ({@code org.jpo.bandit.GroupBandit}).
 */
public final class Advantages {
    private Advantages() {}

    /** The estimators, one per group loss. */
    public enum Kind {
        /** GRPO (arXiv:2402.03300, as TRL): A_i = (r_i − mean r)/(std r + 1e-4), std unbiased (divide by G − 1) as torch's. */
        GRPO,
        /** Dr. GRPO (arXiv:2503.20783): A_i = r_i − mean r; no division by the std, whose per-prompt scale biases the update. */
        DR_GRPO,
        /**
         * RLOO (arXiv:2402.14740): A_i = r_i − mean_{j≠i} r_j. The baseline does not depend on y_i, so the mean over the
         * group of A_i·∇log π(y_i) is an unbiased estimate of ∇E[r].
         */
        RLOO,
        /**
         * Nash-MD-PG (arXiv:2312.00886 §7): A_i = r_i − ½, where r_i = P(y_i ≻ y′_i) is the preference for sample i over its
         * opponent y′_i from the geometric mixture ({@link Opponents}); ½, the value of a tie, is the paper's control variate.
         */
        NASH_MD,
        /**
         * SPO (Swamy et al., arXiv:2401.04056): the reward is the sample's win rate w_i against the prompt's other samples (a
         * pairwise scorer's score), and A_i = w_i − ½. The baseline ½ is the value of the symmetric preference game, a
         * policy's expected win rate against itself: a constant, so the estimate E[A_i·∇log π(y_i)] = π ⊙ (P(·≻π) − ½) is
         * unbiased. In a complete round-robin the group's mean win rate is exactly ½ (each pair's wins add to 1), so A_i is
         * also r_i − mean r: Dr. GRPO's centring, with no division by the std.
         */
        SPO
    }

    /** TRL's constant added to the std before dividing. */
    public static final double STD_EPS = 1e-4;

    /** The advantages of scores {@code r} (G &gt;= 2) by {@code kind}, in the same order. */
    public static double[] of(Kind kind, double[] r) {
        int g = r.length;
        if (g < 2) throw new IllegalArgumentException("a group needs >= 2 scored samples, got " + g);
        double mean = mean(r), std = std(r), sum = mean * g;
        double[] a = new double[g];
        for (int i = 0; i < g; i++) {
            a[i] = switch (kind) {
                case GRPO -> (r[i] - mean) / (std + STD_EPS);
                case DR_GRPO -> r[i] - mean;
                case RLOO -> r[i] - (sum - r[i]) / (g - 1);
                case NASH_MD -> r[i] - 0.5;
                case SPO -> r[i] - 0.5;
            };
        }
        return a;
    }

    static double mean(double[] r) {
        double s = 0;
        for (double x : r) s += x;
        return s / r.length;
    }

    /** The unbiased standard deviation sqrt(Σ (r − mean)² / (G − 1)), torch.std's default. */
    static double std(double[] r) {
        double mu = mean(r), s = 0;
        for (double x : r) s += (x - mu) * (x - mu);
        return Math.sqrt(s / (r.length - 1));
    }
}
