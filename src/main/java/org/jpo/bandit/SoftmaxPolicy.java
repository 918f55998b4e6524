package org.jpo.bandit;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.jpo.loss.Logps;
import org.jpo.loss.PairBatch;
import org.jpo.loss.PairBatch.WinProbs;
import org.jpo.loss.PairLogps;
import org.jpo.loss.ReferencedLoss;

import java.util.Arrays;
import java.util.Optional;

import static org.jpo.tensor.Tensors.*;

/**
 * A bandit policy π = softmax(θ) over the K one-token completions of one prompt, trained through the
 * same loss code as the language models: the log-prob of completion y is {@code log_softmax(θ)[y]}, a
 * sequence of length 1, and a step is torch autograd followed by plain gradient descent.
 *
 * <p>Owns θ [K] (float64, requires grad) and frees it on {@link #close}. Each step runs in its own
 * {@link PointerScope}, so no intermediate outlives it.
 */
public final class SoftmaxPolicy implements AutoCloseable {
    private final Tensor theta;   // [K] leaf
    private final int k;

    /** A policy with the given logits θ (any real numbers; log-probs are one choice). */
    public SoftmaxPolicy(double[] logits) {
        if (logits.length < 2) throw new IllegalArgumentException("a bandit needs K >= 2 actions, got " + logits.length);
        try (PointerScope scope = new PointerScope()) {
            Tensor t = doubles(logits, logits.length);   // [K]
            t.requires_grad_(true);
            theta = keep(t);
        }
        k = logits.length;
    }

    public int size() { return k; }

    /** log π(y) for every action, a detached copy [K]. */
    public double[] logProbs() {
        try (PointerScope scope = new PointerScope()) {
            return toDoubles(theta.detach().log_softmax(0));   // [K]
        }
    }

    public double[] probs() { return Arrays.stream(logProbs()).map(Math::exp).toArray(); }

    /** Σ_y π(y)·r(y). */
    public double expected(double[] reward) { return Probabilities.expectation(probs(), reward); }

    /**
     * {@code steps} gradient-descent steps θ ← θ − lr·∇L on the weighted mean loss
     * L = Σ_i w_i·ℓ_i / Σ_i w_i of {@code loss} over the pairs; returns the loss before the last step.
     *
     * @param refLogProbs log π_ref(y) for every action [K]
     * @param winRate     for SPPO: P(y ≻ π_t) for every action [K], read as the pairs' win probabilities
     */
    public double train(ReferencedLoss loss, Pairs pairs, double[] refLogProbs, Optional<double[]> winRate,
                        int steps, double lr) {
        checkActions(pairs, refLogProbs, winRate);
        try (PointerScope data = new PointerScope()) {
            Batch batch = new Batch(pairs, refLogProbs, winRate);   // built once: only θ changes between steps
            double last = Double.NaN;
            for (int i = 0; i < steps; i++) last = step(loss, batch, lr);
            return last;
        }
    }

    private double step(ReferencedLoss loss, Batch batch, double lr) {
        try (PointerScope scope = new PointerScope()) {
            Tensor mean = batch.meanLoss(loss);   // []
            mean.backward();
            try (NoGradGuard noGrad = new NoGradGuard()) {
                theta.sub_(theta.grad(), s(lr));
                theta.grad().zero_();
            }
            return item(mean);
        }
    }

    /** The pairs as the loss code sees them: summed log-probs of length-1 completions; call inside a scope. */
    PairBatch batch(Pairs pairs, double[] refLogProbs, Optional<double[]> winRate) {
        checkActions(pairs, refLogProbs, winRate);
        return new Batch(pairs, refLogProbs, winRate).toLoss();
    }

    /** The constant part of a batch: action indices, reference log-probs, weights, win rates. */
    private final class Batch {
        final Tensor chosen, rejected, lengths, weights;   // [B] each
        final Tensor ref;                                  // [K]
        final Optional<WinProbs> wins;                     // [B] each
        final double totalWeight;

        Batch(Pairs pairs, double[] refLogProbs, Optional<double[]> winRate) {
            int b = pairs.size();
            chosen = longs(asLongs(pairs.chosen()), b);
            rejected = longs(asLongs(pairs.rejected()), b);
            lengths = doubles(filled(b, 1.0), b);
            weights = doubles(pairs.weight(), b);
            ref = doubles(refLogProbs, k);
            wins = winRate.map(p -> {
                Tensor rate = doubles(p, k);   // [K]
                return new WinProbs(rate.index_select(0, chosen), rate.index_select(0, rejected));
            });
            totalWeight = pairs.totalWeight();
        }

        PairBatch toLoss() {
            Tensor logp = theta.log_softmax(0);   // [K]
            PairLogps policy = new PairLogps(new Logps(logp.index_select(0, chosen), lengths),
                    new Logps(logp.index_select(0, rejected), lengths));
            PairLogps reference = new PairLogps(new Logps(ref.index_select(0, chosen), lengths),
                    new Logps(ref.index_select(0, rejected), lengths));
            return new PairBatch(policy, reference, wins);
        }

        /** L = Σ_i w_i·ℓ_i / Σ_i w_i, with its graph back to θ. */
        Tensor meanLoss(ReferencedLoss loss) {
            Tensor losses = loss.apply(toLoss()).losses();   // [B]
            return losses.dot(weights).div(s(totalWeight));   // []
        }
    }

    private void checkActions(Pairs pairs, double[] refLogProbs, Optional<double[]> winRate) {
        if (refLogProbs.length != k) throw new IllegalArgumentException("reference has " + refLogProbs.length + " actions, policy " + k);
        winRate.ifPresent(p -> {
            if (p.length != k) throw new IllegalArgumentException("win rates cover " + p.length + " actions, policy " + k);
        });
        for (int i = 0; i < pairs.size(); i++) {
            int c = pairs.chosen()[i], r = pairs.rejected()[i];
            if (c < 0 || c >= k || r < 0 || r >= k) {
                throw new IllegalArgumentException("pair " + i + " (" + c + " ≻ " + r + ") is outside actions 0.." + (k - 1));
            }
        }
    }

    private static long[] asLongs(int[] a) { return Arrays.stream(a).asLongStream().toArray(); }

    private static double[] filled(int n, double v) {
        double[] a = new double[n];
        Arrays.fill(a, v);
        return a;
    }

    @Override public void close() { theta.close(); }
}
