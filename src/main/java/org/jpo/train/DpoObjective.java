package org.jpo.train;

import org.jpo.data.Collate;
import org.jpo.data.Example;
import org.jpo.data.Examples;
import org.jpo.data.PairExample;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.jpo.loss.LdDpo;
import org.jpo.loss.LossResult;
import org.jpo.loss.Logps;
import org.jpo.loss.Metrics;
import org.jpo.loss.PairBatch;
import org.jpo.loss.PairLogps;
import org.jpo.loss.PreferenceLoss;
import org.jpo.loss.ReferenceFreeLoss;
import org.jpo.loss.ReferencedLoss;
import org.jpo.loss.Wpo;
import org.jpo.model.Checkpoints;
import org.jpo.model.LogProbs;
import org.jpo.model.SequenceBatch;
import org.jpo.model.TokenLogps;
import org.jpo.model.Transformer;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.jpo.tensor.Tensors.*;

/**
 * The DPO family on preference pairs: chosen and rejected in one concatenated forward, any paired loss or
 * weighted sum of losses, reference log-probs from the cache (or a live reference model when TR-DPO syncs it),
 * optional LD-DPO length desensitization and WPO weighting.
 */
final class DpoObjective implements Objective<PairExample> {
    private final Transformer policy;
    private final PreferenceLoss loss;
    private final Reference reference;
    private final double ldAlpha;
    private final boolean wpo;

    /** Where reference log-probs come from. */
    sealed interface Reference permits Cached, Live, None {}

    /** Precomputed {r⁺, r⁻} per example. */
    record Cached(Map<Example, double[]> values) implements Reference {}

    /** A reference model run on every batch; TR-DPO mixes the policy into it every {@code syncSteps} updates. */
    record Live(Transformer model, double mixupAlpha, int syncSteps) implements Reference {}

    /** Reference-free losses. */
    record None() implements Reference {}

    DpoObjective(Transformer policy, PreferenceLoss loss, Reference reference, double ldAlpha, boolean wpo) {
        if (loss instanceof ReferencedLoss == reference instanceof None) {
            throw new IllegalArgumentException("loss " + loss.name() + (reference instanceof None ? " needs a reference" : " takes no reference"));
        }
        this.policy = policy;
        this.loss = loss;
        this.reference = reference;
        this.ldAlpha = ldAlpha;
        this.wpo = wpo;
        policy.trainable(true);
    }

    @Override public Step compute(List<PairExample> batch) {
        int b = batch.size();
        SequenceBatch sb = Collate.pairs(batch, 0);
        long t = sb.ids().size(1);
        Tensor logits = policy.logits(policy.hidden(sb.ids()).narrow(1, 0, t - 1));          // [2B,T-1,V]
        TokenLogps lp = LogProbs.fromLogits(logits, sb);
        PairLogps pol = sides(lp, b, ldAlpha);
        LossResult r = loss instanceof ReferencedLoss l
                ? l.apply(new PairBatch(pol, referenceLogps(batch, sb), winProbs(batch)))
                : ((ReferenceFreeLoss) loss).apply(pol);
        if (wpo) {
            Tensor w = Wpo.weights(logits, sb.ids().narrow(1, 1, t - 1), sb.completionMask());   // [2B]
            r = Wpo.apply(r, w.narrow(0, 0, b), w.narrow(0, b, b));
        }
        Map<String, Double> m = new LinkedHashMap<>(Metrics.of(r, pol));
        m.put("logits/chosen", item(lp.meanLogits().narrow(0, 0, b).mean()));
        m.put("logits/rejected", item(lp.meanLogits().narrow(0, b, b).mean()));
        return new Step(r.mean(), m, batch.stream().mapToLong(Examples::tokens).sum());
    }

    /** Chosen rows [0, B), rejected rows [B, 2B) of a concatenated forward, as the two sides of B pairs. */
    static PairLogps sides(TokenLogps lp, long b, double ldAlpha) {
        Tensor tok = lp.logps(), mask = lp.mask();                                             // [2B,T-1]
        if (ldAlpha < 1) {
            return LdDpo.logps(tok.narrow(0, 0, b), mask.narrow(0, 0, b), tok.narrow(0, b, b), mask.narrow(0, b, b), ldAlpha);
        }
        Tensor sum = lp.sum(), len = lp.length();                                              // [2B]
        return new PairLogps(new Logps(sum.narrow(0, 0, b), len.narrow(0, 0, b)), new Logps(sum.narrow(0, b, b), len.narrow(0, b, b)));
    }

    private PairLogps referenceLogps(List<PairExample> batch, SequenceBatch sb) {
        if (reference instanceof Live live) {
            try (NoGradGuard g = new NoGradGuard()) {
                return sides(LogProbs.of(live.model(), sb), batch.size(), ldAlpha);
            }
        }
        Map<Example, double[]> values = ((Cached) reference).values();
        float[] c = new float[batch.size()], r = new float[batch.size()];
        for (int i = 0; i < c.length; i++) {
            double[] v = values.get(batch.get(i));
            c[i] = (float) v[0];
            r[i] = (float) v[1];
        }
        // lengths matter to length-normalized losses; both policies see the same tokens
        long b = c.length;
        Tensor lenC = sum(sb.completionMask().narrow(0, 0, b), 1), lenR = sum(sb.completionMask().narrow(0, b, b), 1);   // [B]
        return new PairLogps(new Logps(floats(c, c.length), lenC), new Logps(floats(r, r.length), lenR));
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

    @Override public Map<String, Tensor> parameters() { return policy.parameters(); }

    @Override public void save(Path dir, List<Path> tokenizerFiles) { Checkpoints.save(policy, dir, tokenizerFiles); }

    @Override public void close() {
        policy.close();
        if (reference instanceof Live live) live.model().close();
    }
}
