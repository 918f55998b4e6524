package org.jpo.train;

import org.jpo.data.Collate;
import org.jpo.data.Example;
import org.jpo.data.Examples;
import org.jpo.data.PairExample;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.jpo.UserError;
import org.jpo.loss.BcoPair;
import org.jpo.loss.LdDpo;
import org.jpo.loss.LossResult;
import org.jpo.loss.Logps;
import org.jpo.loss.Metrics;
import org.jpo.loss.PairBatch;
import org.jpo.loss.PairLogps;
import org.jpo.loss.PreferenceLoss;
import org.jpo.loss.ReferenceFreeLoss;
import org.jpo.loss.ReferencedLoss;
import org.jpo.loss.ReferencedSum;
import org.jpo.loss.Wpo;
import org.jpo.model.Checkpoints;
import org.jpo.model.LogProbs;
import org.jpo.model.PackedLists;
import org.jpo.model.TokenBatch;
import org.jpo.model.TokenLogps;
import org.jpo.model.Transformer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.jpo.tensor.Tensors.*;

/**
 * The DPO family on preference pairs: chosen and rejected in one forward (sharing the prompt, or concatenated), any paired loss or
 * weighted sum of losses, reference log-probs from the cache (or a live reference model when TR-DPO syncs it),
 * optional LD-DPO length desensitization, WPO weighting and BCO's running reward mean.
 */
final class DpoObjective implements Objective<PairExample> {
    static final String BCO_MEAN = "bco_pair.running_mean", BCO_COUNT = "bco_pair.running_count";

    private final Transformer policy;
    private final PreferenceLoss loss;
    private final Reference reference;
    private final Modifiers mods;
    /** BCO's shift m (arXiv:2404.04656), present with {@code bco_pair.running_mean}; advanced by {@link #train}. */
    private Optional<BcoPair.RunningMean> bcoMean;

    /**
     * What the trainer does around the loss.
     *
     * @param ldAlpha        LD-DPO's α ({@link LdDpo}; 1 = off)
     * @param wpo            WPO weights ({@link Wpo})
     * @param margins        margin_weighting: each pair's loss times its example's margin (ScPO, arXiv:2411.04109)
     * @param bcoRunningMean shift bco_pair by the running mean of the rewards of the training micro-batches seen
     *                       so far (bco_pair must be the loss, or the first loss of a sum, so that the rewards
     *                       the loss reports are bco_pair's)
     * @param prefixSharing  one forward per pair over [prompt, chosen, rejected] ({@link PackedLists}) instead of
     *                       two rows repeating the prompt; equal results
     * @param chunk          LM-head positions per chunk ({@link LogProbs#forward}); 0 = all at once
     */
    record Modifiers(double ldAlpha, boolean wpo, boolean margins, boolean bcoRunningMean, boolean prefixSharing, int chunk) {}

    /** Where reference log-probs come from. */
    sealed interface Reference permits Cached, Live, None {}

    /**
     * Precomputed {r⁺, r⁻} per example, and for INPO the same of the policy the round started from, π_t ({@code previous}).
     */
    record Cached(Map<Example, double[]> values, Optional<Map<Example, double[]>> previous) implements Reference {
        Cached(Map<Example, double[]> values) { this(values, Optional.empty()); }
    }

    /** A reference model run on every batch; TR-DPO mixes the policy into it every {@code syncSteps} updates. */
    record Live(Transformer model, double mixupAlpha, int syncSteps) implements Reference {}

    /** Reference-free losses. */
    record None() implements Reference {}

    DpoObjective(Transformer policy, PreferenceLoss loss, Reference reference, Modifiers mods) {
        if (loss instanceof ReferencedLoss == reference instanceof None) {
            throw new IllegalArgumentException("loss " + loss.name() + (reference instanceof None ? " needs a reference" : " takes no reference"));
        }
        if (mods.bcoRunningMean() && !(first(loss) instanceof BcoPair)) {
            // the config refuses this (LossConfig); here it would be a programming error
            throw new IllegalArgumentException("bco_pair.running_mean shifts bco_pair by the mean of its rewards: bco_pair "
                    + "must be the loss or the first of the losses, got " + loss.name());
        }
        this.policy = policy;
        this.loss = loss;
        this.reference = reference;
        this.mods = mods;
        this.bcoMean = mods.bcoRunningMean() ? Optional.of(BcoPair.RunningMean.EMPTY) : Optional.empty();
        policy.trainable(true);
    }

    private DataParallel dp = DataParallel.SINGLE;

    @Override public Step compute(List<PairExample> batch) { return forward(batch).step(); }

    /**
     * BCO's running mean follows TRL's {@code RunningMoments} in updating once per training micro-batch with
     * that batch's rewards R⁺, R⁻, but a batch is shifted by the mean of the batches before it (TRL folds the
     * batch's own rewards in first), so the first batch sees m = 0, TRL's paired form. Evaluation reads m and
     * never moves it.
     */
    @Override public Step train(List<PairExample> batch) {
        Forward f = forward(batch);
        if (dp.world() == 1) bcoMean = bcoMean.map(m -> m.update(f.result()));
        else advanceBcoMean(BcoPair.RunningMean.total(f.result()), 2L * batch.size());
        return f.step();
    }

    @Override public void parallel(DataParallel dp) { this.dp = dp; }

    @Override public void idle() { advanceBcoMean(0, 0); }

    /** Several ranks: the running mean moves by every rank's rewards of the step. */
    private void advanceBcoMean(double total, long n) {
        if (bcoMean.isEmpty()) return;
        double[] t = dp.sum(new double[] {total, n}, "bco_pair's running mean");
        bcoMean = bcoMean.map(m -> m.update(t[0], (long) t[1]));
    }

    private record Forward(Step step, LossResult result) {}

    private Forward forward(List<PairExample> batch) {
        int b = batch.size();
        TokenBatch rows = rows(batch, mods.prefixSharing());
        LogProbs.Forward f = LogProbs.forward(policy, rows, mods.chunk(), mods.wpo());
        TokenLogps lp = f.logps();                                                             // [2B,L]
        PairLogps pol = sides(lp, b, mods.ldAlpha());
        PreferenceLoss current = bcoMean.map(m -> withBcoMean(loss, m.mean())).orElse(loss);
        LossResult r = current instanceof ReferencedLoss l
                ? l.apply(new PairBatch(pol, referenceLogps(batch, rows, lp), winProbs(batch), preference(batch), previousLogps(batch, lp)))
                : ((ReferenceFreeLoss) current).apply(pol);
        if (mods.wpo()) {
            Tensor w = Wpo.fromTokens(lp.logps(), f.logSumSq().orElseThrow(), lp.mask());          // [2B]
            r = Wpo.apply(r, w.narrow(0, 0, b), w.narrow(0, b, b));
        }
        if (mods.margins()) r = new LossResult(r.losses().mul(margins(batch)), r.chosenRewards(), r.rejectedRewards());
        Map<String, Double> m = new LinkedHashMap<>(Metrics.of(r, pol));
        m.put("logits/chosen", item(lp.meanLogits().narrow(0, 0, b).mean()));
        m.put("logits/rejected", item(lp.meanLogits().narrow(0, b, b).mean()));
        return new Forward(new Step(r.mean(), m, batch.stream().mapToLong(Examples::tokens).sum(), b, f.twoPass()), r);
    }

    /** Each pair's margin [B], the weight of its loss under margin_weighting (ScPO's vote margin in the loop). */
    static Tensor margins(List<PairExample> batch) {
        double[] m = new double[batch.size()];
        for (int i = 0; i < m.length; i++) {
            PairExample e = batch.get(i);
            m[i] = e.margin().orElseThrow(() -> new UserError(e.source() + ": margin_weighting needs a margin on every row, this one has none"));
        }
        return vector(m);
    }

    /** The pairs as one forward's rows: packed with a shared prompt, or chosen rows then rejected rows. */
    static TokenBatch rows(List<PairExample> batch, boolean prefixSharing) {
        return prefixSharing ? Collate.packedPairs(batch, 0) : Collate.pairs(batch, 0);
    }

    /** The loss, or the first part of a weighted sum (whose rewards the sum reports). */
    private static PreferenceLoss first(PreferenceLoss loss) {
        return loss instanceof ReferencedSum s ? s.parts().get(0) : loss;
    }

    /** {@code loss} with its bco_pair (the loss itself or a sum's first part) shifted by {@code m}. */
    private static PreferenceLoss withBcoMean(PreferenceLoss loss, double m) {
        if (loss instanceof ReferencedSum s) {
            List<PreferenceLoss> parts = new ArrayList<>(s.parts());
            parts.set(0, ((BcoPair) parts.get(0)).withMean(m));
            return new ReferencedSum(parts, s.weights());
        }
        return ((BcoPair) loss).withMean(m);
    }

    @Override public Map<String, Double> state() {
        return bcoMean.map(m -> Map.of(BCO_MEAN, m.mean(), BCO_COUNT, (double) m.count())).orElse(Map.of());
    }

    @Override public void restore(Map<String, Double> state) {
        if (bcoMean.isEmpty()) return;
        if (!state.containsKey(BCO_MEAN) || !state.containsKey(BCO_COUNT)) {
            throw new UserError("the checkpoint has no bco_pair running mean (was it written with bco_pair.running_mean: false?); "
                    + "cannot resume with it on");
        }
        bcoMean = Optional.of(new BcoPair.RunningMean(state.get(BCO_MEAN), state.get(BCO_COUNT).longValue()));
    }

    /** Chosen rows [0, B), rejected rows [B, 2B) of a pair forward, as the two sides of B pairs. */
    static PairLogps sides(TokenLogps lp, long b, double ldAlpha) {
        Tensor tok = lp.logps(), mask = lp.mask();                                             // [2B,L]
        if (ldAlpha < 1) {
            return LdDpo.logps(tok.narrow(0, 0, b), mask.narrow(0, 0, b), tok.narrow(0, b, b), mask.narrow(0, b, b), ldAlpha);
        }
        Tensor sum = lp.sum(), len = lp.length();                                              // [2B]
        return new PairLogps(new Logps(sum.narrow(0, 0, b), len.narrow(0, 0, b)), new Logps(sum.narrow(0, b, b), len.narrow(0, b, b)));
    }

    private PairLogps referenceLogps(List<PairExample> batch, TokenBatch rows, TokenLogps policy) {
        if (reference instanceof Live live) {
            try (NoGradGuard g = new NoGradGuard()) {
                return sides(LogProbs.forward(live.model(), rows, mods.chunk(), false).logps(), batch.size(), mods.ldAlpha());
            }
        }
        return cached(((Cached) reference).values(), batch, policy);
    }

    /** INPO's π_t log-probs {t⁺, t⁻}, cached before the round's first step; empty for every other loss. */
    private Optional<PairLogps> previousLogps(List<PairExample> batch, TokenLogps policy) {
        return reference instanceof Cached c ? c.previous().map(v -> cached(v, batch, policy)) : Optional.empty();
    }

    private static PairLogps cached(Map<Example, double[]> values, List<PairExample> batch, TokenLogps policy) {
        float[] c = new float[batch.size()], r = new float[batch.size()];
        for (int i = 0; i < c.length; i++) {
            double[] v = values.get(batch.get(i));
            c[i] = (float) v[0];
            r[i] = (float) v[1];
        }
        // lengths matter to length-normalized losses; both policies see the same tokens
        long b = c.length;
        Tensor lenC = sum(policy.mask().narrow(0, 0, b), 1), lenR = sum(policy.mask().narrow(0, b, b), 1);   // [B]
        return new PairLogps(new Logps(floats(c, c.length), lenC), new Logps(floats(r, r.length), lenR));
    }

    /** P(chosen ≻ rejected) [B] when any row has one; a row without is a labelled chosen ≻ rejected, P = 1. */
    private static Optional<Tensor> preference(List<PairExample> batch) {
        if (batch.stream().allMatch(e -> e.preference().isEmpty())) return Optional.empty();
        return Optional.of(vector(batch.stream().mapToDouble(e -> e.preference().orElse(1)).toArray()));
    }

    private static Optional<PairBatch.WinProbs> winProbs(List<PairExample> batch) {
        if (batch.stream().anyMatch(e -> e.winProbs().isEmpty())) return Optional.empty();
        double[] c = batch.stream().mapToDouble(e -> e.winProbs().orElseThrow().chosen()).toArray();
        double[] r = batch.stream().mapToDouble(e -> e.winProbs().orElseThrow().rejected()).toArray();
        return Optional.of(new PairBatch.WinProbs(vector(c), vector(r)));
    }

    @Override public void afterUpdate(long updates) {
        if (!(reference instanceof Live live) || updates % live.syncSteps() != 0) return;
        // TR-DPO (Gorbatovski et al., arXiv:2404.09656): ref ← α·π + (1 − α)·ref
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            for (var e : live.model().parameters().entrySet()) {
                e.getValue().mul_(s(1 - live.mixupAlpha())).add_(policy.parameters().get(e.getKey()).mul(s(live.mixupAlpha())));
            }
        }
    }

    /** The live reference model, when TR-DPO syncs one (checkpoints save it so a resume continues exactly). */
    Optional<Transformer> liveReference() {
        return reference instanceof Live live ? Optional.of(live.model()) : Optional.empty();
    }

    @Override public Map<String, Tensor> parameters() { return policy.trainableParameters(); }

    @Override public void save(Path dir, List<Path> tokenizerFiles) { Checkpoints.save(policy, dir, tokenizerFiles); }

    @Override public void close() {
        policy.close();
        if (reference instanceof Live live) live.model().close();
    }
}
