package org.jpo.bandit;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.jpo.loss.Logps;
import org.jpo.loss.PairBatch;
import org.jpo.loss.PairBatch.WinProbs;
import org.jpo.loss.PairLogps;
import org.jpo.loss.ReferencedLoss;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static org.jpo.tensor.Tensors.*;

/**
 * Bandit policies π = softmax(θ) over the K one-token completions of one prompt, trained through the
 * same loss code as the language models: the log-prob of completion y is {@code log_softmax(θ)[y]}, a
 * sequence of length 1, and a step is torch autograd followed by an {@link Optimizer} step.
 *
 * <p>θ is [R,K]: R independent replicas (one per seed) trained in lockstep. Each replica has its own
 * pairs and reference, and the loss is the sum over replicas of each replica's weighted mean, so a
 * replica's gradient is exactly what it would be alone. Most experiments use R = 1.
 *
 * <p>Owns θ and frees it on {@link #close}. Each step runs in its own {@link PointerScope}.
 */
public final class SoftmaxPolicy implements AutoCloseable {
    private final Tensor theta;   // [R,K] leaf
    private final int replicas;
    private final int k;

    /** One policy with logits θ [K] (log-probs are one choice). */
    public SoftmaxPolicy(double[] logits) { this(new double[][] {logits}); }

    /** R replicas with logits θ [R][K]. */
    public SoftmaxPolicy(double[][] logits) {
        replicas = logits.length;
        k = logits[0].length;
        if (k < 2) throw new IllegalArgumentException("a bandit needs K >= 2 actions, got " + k);
        double[] flat = new double[replicas * k];
        for (int r = 0; r < replicas; r++) {
            if (logits[r].length != k) throw new IllegalArgumentException("replica " + r + " has " + logits[r].length + " logits, not " + k);
            System.arraycopy(logits[r], 0, flat, r * k, k);
        }
        try (PointerScope scope = new PointerScope()) {
            Tensor t = doubles(flat, replicas, k);   // [R,K]
            t.requires_grad_(true);
            theta = keep(t);
        }
    }

    /** K, the number of actions. */
    public int size() { return k; }

    public int replicas() { return replicas; }

    /** log π(y) for every action of the only replica [K]. */
    public double[] logProbs() {
        if (replicas != 1) throw new IllegalStateException("logProbs() needs one replica, this policy has " + replicas);
        return allLogProbs()[0];
    }

    /** log π(y) for every replica and action [R][K], a detached copy. */
    public double[][] allLogProbs() {
        try (PointerScope scope = new PointerScope()) {
            double[] flat = toDoubles(theta.detach().log_softmax(1));   // [R,K]
            double[][] out = new double[replicas][];
            for (int r = 0; r < replicas; r++) out[r] = Arrays.copyOfRange(flat, r * k, (r + 1) * k);
            return out;
        }
    }

    public double[] probs() { return Arrays.stream(logProbs()).map(Math::exp).toArray(); }

    /** E_π[f] = Σ_y π(y)·f(y) for the only replica. */
    public double expected(double[] f) { return Probabilities.expectation(probs(), f); }

    /**
     * {@code steps} optimizer steps on the weighted mean loss L = Σ_i w_i·ℓ_i / Σ_i w_i of {@code loss}
     * over the pairs, for the only replica; returns L before the last step.
     *
     * @param refLogProbs log π_ref(y) for every action [K]
     * @param winRate     for SPPO: P(y ≻ π_t) for every action [K], read as the pairs' win probabilities
     */
    public double train(ReferencedLoss loss, Pairs pairs, double[] refLogProbs, Optional<double[]> winRate,
                        Optimizer optimizer, int steps) {
        return train(loss, List.of(pairs), new double[][] {refLogProbs}, winRate.map(w -> new double[][] {w}),
                optimizer, steps);
    }

    /**
     * As {@link #train(ReferencedLoss, Pairs, double[], Optional, Optimizer, int)}, with INPO's π_t: {@code previousLogProbs}
     * log π_t(y) for every action [K], read as the pairs' {@link PairBatch#previous()}.
     */
    public double train(ReferencedLoss loss, Pairs pairs, double[] refLogProbs, double[] previousLogProbs, Optimizer optimizer, int steps) {
        return train(loss, List.of(pairs), new double[][] {refLogProbs}, Optional.empty(), Optional.of(new double[][] {previousLogProbs}),
                optimizer, steps);
    }

    /** As above for every replica: pairs, reference [R][K] and win rates [R][K] per replica; returns Σ_r L_r. */
    public double train(ReferencedLoss loss, List<Pairs> pairs, double[][] refLogProbs,
                        Optional<double[][]> winRate, Optimizer optimizer, int steps) {
        return train(loss, pairs, refLogProbs, winRate, Optional.empty(), optimizer, steps);
    }

    private double train(ReferencedLoss loss, List<Pairs> pairs, double[][] refLogProbs, Optional<double[][]> winRate,
                         Optional<double[][]> previous, Optimizer optimizer, int steps) {
        try (PointerScope data = new PointerScope()) {
            Batch batch = new Batch(pairs, refLogProbs, winRate, previous);   // built once: only θ changes between steps
            Optimizer.Step update = optimizer.over(theta);
            double last = Double.NaN;
            for (int i = 0; i < steps; i++) {
                try (PointerScope step = new PointerScope()) {
                    Tensor total = batch.loss(loss);   // []
                    total.backward();
                    update.run();
                    last = item(total);
                }
            }
            return last;
        }
    }

    /** The pairs of the only replica as the loss code sees them (duplicates merged); call inside a scope. */
    PairBatch batch(Pairs pairs, double[] refLogProbs, Optional<double[]> winRate) {
        return new Batch(List.of(pairs), new double[][] {refLogProbs}, winRate.map(w -> new double[][] {w}), Optional.empty()).toLoss();
    }

    /** The constant part of a batch, flattened over replicas: action index r·K + y, weights w_i / W_r. */
    private final class Batch {
        final Tensor chosen, rejected, lengths, weights;   // [B] each
        final Tensor refChosen, refRejected;               // [B] each
        final Optional<WinProbs> wins;                     // [B] each
        final Optional<PairLogps> previous;                // [B] each

        Batch(List<Pairs> pairs, double[][] refLogProbs, Optional<double[][]> winRate, Optional<double[][]> previousLogProbs) {
            check(pairs, refLogProbs, winRate);
            previousLogProbs.ifPresent(p -> check(pairs, p, Optional.empty()));
            List<Pairs> merged = pairs.stream().map(Pairs::merged).toList();   // same loss, fewer rows
            int b = merged.stream().mapToInt(Pairs::size).sum();
            long[] c = new long[b], r = new long[b];
            double[] w = new double[b];
            int i = 0;
            for (int rep = 0; rep < replicas; rep++) {
                Pairs p = merged.get(rep);
                double total = p.totalWeight();
                for (int j = 0; j < p.size(); j++, i++) {
                    c[i] = (long) rep * k + p.chosen()[j];
                    r[i] = (long) rep * k + p.rejected()[j];
                    w[i] = p.weight()[j] / total;
                }
            }
            chosen = longs(c, b);                                               // [B]
            rejected = longs(r, b);                                             // [B]
            lengths = doubles(filled(b, 1.0), b);                               // [B] one token each
            weights = doubles(w, b);                                            // [B]
            Tensor ref = doubles(flatten(refLogProbs), (long) replicas * k);   // [R·K]
            refChosen = ref.index_select(0, chosen);                            // [B]
            refRejected = ref.index_select(0, rejected);                        // [B]
            wins = winRate.map(rates -> {
                Tensor rate = doubles(flatten(rates), (long) replicas * k);   // [R·K]
                return new WinProbs(rate.index_select(0, chosen), rate.index_select(0, rejected));
            });
            previous = previousLogProbs.map(lp -> {
                Tensor t = doubles(flatten(lp), (long) replicas * k);   // [R·K]
                return new PairLogps(new Logps(t.index_select(0, chosen), lengths), new Logps(t.index_select(0, rejected), lengths));
            });
        }

        PairBatch toLoss() {
            Tensor logp = theta.log_softmax(1).view(-1);   // [R·K]
            PairLogps policy = new PairLogps(new Logps(logp.index_select(0, chosen), lengths),   // [B]
                    new Logps(logp.index_select(0, rejected), lengths));                          // [B]
            PairLogps reference = new PairLogps(new Logps(refChosen, lengths), new Logps(refRejected, lengths));
            return new PairBatch(policy, reference, wins, Optional.empty(), previous);
        }

        /** Σ_r Σ_i (w_i / W_r)·ℓ_i, with its graph back to θ. */
        Tensor loss(ReferencedLoss loss) {
            Tensor losses = loss.apply(toLoss()).losses();   // [B]
            return losses.dot(weights);                      // []
        }
    }

    private void check(List<Pairs> pairs, double[][] refLogProbs, Optional<double[][]> winRate) {
        if (pairs.size() != replicas || refLogProbs.length != replicas) {
            throw new IllegalArgumentException(pairs.size() + " pair sets and " + refLogProbs.length
                    + " references for " + replicas + " replicas");
        }
        for (int rep = 0; rep < replicas; rep++) {
            if (refLogProbs[rep].length != k) throw new IllegalArgumentException("reference has " + refLogProbs[rep].length + " actions, policy " + k);
            if (pairs.get(rep).totalWeight() <= 0) throw new IllegalArgumentException("replica " + rep + " has no pairs (total weight 0)");
            checkActions(pairs.get(rep));
        }
        winRate.ifPresent(rates -> {
            for (double[] p : rates) if (p.length != k) throw new IllegalArgumentException("win rates cover " + p.length + " actions, policy " + k);
        });
    }

    private void checkActions(Pairs pairs) {
        for (int i = 0; i < pairs.size(); i++) {
            int c = pairs.chosen()[i], r = pairs.rejected()[i];
            if (c < 0 || c >= k || r < 0 || r >= k) {
                throw new IllegalArgumentException("pair " + i + " (" + c + " ≻ " + r + ") is outside actions 0.." + (k - 1));
            }
        }
    }

    private double[] flatten(double[][] rows) {
        double[] flat = new double[replicas * k];
        for (int r = 0; r < replicas; r++) System.arraycopy(rows[r], 0, flat, r * k, k);
        return flat;
    }

    private static double[] filled(int n, double v) {
        double[] a = new double[n];
        Arrays.fill(a, v);
        return a;
    }

    @Override public void close() { theta.close(); }
}
