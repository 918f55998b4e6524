package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.jpo.config.Check;

import static org.jpo.tensor.Tensors.s;

/**
 * BCO (pairwise): {@code −logσ(R⁺ − m) − logσ(−(R⁻ − m))} with R = βρ: a binary classifier whose logit
 * is the reward shifted by m. Jung et al., arXiv:2404.04656. TRL 1.x uses m = 0 in the paired form;
 * the paper's m is a running mean of the rewards. To keep the loss pure, m is a field: a caller that
 * wants the running mean keeps a {@link RunningMean}, updates it with each step's rewards, and builds
 * the next step's loss with {@link #withMean}.
 *
 * @param beta KL strength β &gt; 0 (TRL default 0.1)
 * @param mean the reward shift m (default 0)
 */
public record BcoPair(double beta, double mean) implements ReferencedLoss {

    public BcoPair {
        Check.positive("beta", beta);
        if (!Double.isFinite(mean)) throw new IllegalArgumentException("bco_pair: mean must be finite, got " + mean);
    }

    public BcoPair withMean(double m) { return new BcoPair(beta, m); }

    @Override public String name() { return "bco_pair"; }

    @Override public LossResult apply(PairBatch b) {
        Tensor rhoC = Terms.rhoChosen(b);                                                         // [B]
        Tensor rhoR = Terms.rhoRejected(b);                                                       // [B]
        Tensor zc = rhoC.mul(s(beta)).sub(s(mean));                                               // [B]
        Tensor zr = rhoR.mul(s(beta)).sub(s(mean));                                               // [B]
        Tensor losses = torch.logsigmoid(zc).neg().sub(torch.logsigmoid(zr.neg()));              // [B]
        return Terms.referenced(losses, rhoC, rhoR, beta);
    }

    /**
     * The mean of every reward seen so far (chosen and rejected alike), as TRL's {@code RunningMoments}
     * keeps it. Each batch is weighted by its number of rewards (TRL weighs each batch's mean once, which is
     * the same for equal batch sizes).
     *
     * @param mean  the running mean (0 before any update)
     * @param count how many rewards it averages
     */
    public record RunningMean(double mean, long count) {
        public static final RunningMean EMPTY = new RunningMean(0, 0);

        public RunningMean {
            if (count < 0 || !Double.isFinite(mean)) {
                throw new IllegalArgumentException("running mean must be finite with count >= 0, got " + mean + ", " + count);
            }
        }

        /** This mean updated with the chosen and rejected rewards of one step [B] each. */
        public RunningMean update(LossResult r) {
            return update(total(r), r.chosenRewards().numel() + r.rejectedRewards().numel());
        }

        /** This mean updated with {@code n} rewards summing to {@code total} (several ranks' shares of one step, summed). */
        public RunningMean update(double total, long n) {
            return n == 0 ? this : new RunningMean((mean * count + total) / (count + n), count + n);
        }

        /** The sum of a step's chosen and rejected rewards. */
        public static double total(LossResult r) {
            return r.chosenRewards().sum().item_double() + r.rejectedRewards().sum().item_double();
        }
    }
}
