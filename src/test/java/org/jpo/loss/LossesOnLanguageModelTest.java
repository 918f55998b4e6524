package org.jpo.loss;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.jpo.model.LogProbs;
import org.jpo.model.ModelConfig;
import org.jpo.model.SequenceBatch;
import org.jpo.model.TokenLogps;
import org.jpo.model.Transformer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.jpo.tensor.Tensors.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Every loss on a tiny language model: one gradient step on a batch lowers the loss on that batch, and the
 * reference model — whose weights track gradients here precisely so a leak would show — receives none.
 */
class LossesOnLanguageModelTest {
    static final ModelConfig CONFIG = ModelConfig.llama(40, 16, 1, 2, 1, 24, 32);
    static final List<int[]> PROMPTS = List.of(new int[] {1, 5}, new int[] {1, 7, 9}, new int[] {1}, new int[] {1, 3, 3});
    static final List<int[]> CHOSEN = List.of(new int[] {11, 12, 13}, new int[] {20, 21}, new int[] {30, 31, 32, 33}, new int[] {8});
    static final List<int[]> REJECTED = List.of(new int[] {14, 15}, new int[] {22, 23, 24}, new int[] {34}, new int[] {9, 10});

    /**
     * The group losses read per-token log-probs of single samples, not pairs: GroupLossTest and NashMdLossTest check their gradients exactly. The
     * listwise losses run on lists of three of the same completions.
     */
    @ParameterizedTest @EnumSource(value = LossType.class, mode = EnumSource.Mode.EXCLUDE, names = {"GRPO", "DR_GRPO", "RLOO", "NASH_MD", "SPO"})
    void oneStepLowersTheLossAndTheReferenceGetsNoGradient(LossType type) {
        try (PointerScope scope = new PointerScope();
             Transformer policy = Transformer.random(CONFIG, 1); Transformer reference = Transformer.random(CONFIG, 2)) {
            PreferenceLoss loss = LossConfigs.loss(type);
            policy.trainable(true);
            reference.trainable(true);
            double before;
            try (PointerScope step = new PointerScope()) {
                Tensor l = value(loss, policy, reference);
                before = item(l);
                l.backward();
            }
            for (var e : reference.parameters().entrySet()) {
                Tensor g = e.getValue().grad();
                assertTrue(!g.defined() || item(g.abs().max()) == 0, type + ": reference " + e.getKey() + " received a gradient");
            }
            descend(policy, 1e-3);
            double after;
            try (PointerScope step = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                after = item(value(loss, policy, reference));
            }
            assertTrue(Double.isFinite(before), type + ": loss " + before);
            assertTrue(after < before, type + ": loss went from " + before + " to " + after);
        }
    }

    /** Normalized gradient descent: every parameter moves by lr·g/‖g‖, so the step has length lr. */
    private static void descend(Transformer m, double lr) {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            double sq = 0;
            for (Tensor p : m.parameters().values()) if (p.grad().defined()) sq += item(p.grad().pow(s(2)).sum());
            assertTrue(sq > 0, "no gradient reached the policy");
            double scale = lr / Math.sqrt(sq);
            for (Tensor p : m.parameters().values()) if (p.grad().defined()) p.sub_(p.grad().mul(s(scale)));
        }
    }

    private static Tensor value(PreferenceLoss loss, Transformer policy, Transformer reference) {
        // Java 17 has no pattern switch; the sealed interface permits exactly these four besides the group losses
        if (loss instanceof ReferencedLoss l) return l.apply(pairBatch(policy, reference)).mean();
        if (loss instanceof ListLoss l) return l.apply(listBatch(policy, reference)).mean();
        if (loss instanceof ReferenceFreeLoss l) return l.apply(pairs(policy)).mean();
        return ((UnpairedLoss) loss).apply(unpairedBatch(policy, reference)).mean();
    }

    /** Chosen and rejected rows in one concatenated forward, split into the two sides. */
    private static PairLogps pairs(Transformer m) {
        List<int[]> prompts = new ArrayList<>(PROMPTS), completions = new ArrayList<>(CHOSEN);
        prompts.addAll(PROMPTS);
        completions.addAll(REJECTED);
        TokenLogps lp = LogProbs.of(m, SequenceBatch.of(prompts, completions, 0));
        long b = PROMPTS.size();
        Tensor sum = lp.sum(), len = lp.length();                                              // [2B]
        return new PairLogps(new Logps(sum.narrow(0, 0, b), len.narrow(0, 0, b)), new Logps(sum.narrow(0, b, b), len.narrow(0, b, b)));
    }

    private static PairBatch pairBatch(Transformer policy, Transformer reference) {
        var winProbs = new PairBatch.WinProbs(vector(0.8, 0.7, 0.9, 0.6), vector(0.3, 0.2, 0.4, 0.5));
        // inpo's π_t is the reference model too, so its no-gradient check covers both; inpo and egpo read the preferences
        return new PairBatch(pairs(policy), pairs(reference), Optional.of(winProbs), Optional.of(vector(0.9, 0.6, 0.5, 1.0)),
                Optional.of(pairs(reference)));
    }

    /** Lists of three: chosen (score 1), the next prompt's rejected (0.5), rejected (0); the policy's and the reference's sums. */
    private static ListBatch listBatch(Transformer policy, Transformer reference) {
        int b = PROMPTS.size();
        List<int[]> prompts = new ArrayList<>(), completions = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            prompts.addAll(PROMPTS);
            for (int i = 0; i < b; i++) completions.add(k == 0 ? CHOSEN.get(i) : k == 1 ? REJECTED.get((i + 1) % b) : REJECTED.get(i));
        }
        TokenLogps p = LogProbs.of(policy, SequenceBatch.of(prompts, completions, 0)), r = LogProbs.of(reference, SequenceBatch.of(prompts, completions, 0));
        float[] scores = new float[3 * b];
        for (int i = 0; i < b; i++) { scores[3 * i] = 1; scores[3 * i + 1] = 0.5f; }
        return new ListBatch(p.sum().view(3, b).t(), Optional.of(r.sum().view(3, b).t()), p.length().view(3, b).t(), floats(scores, b, 3),
                org.bytedeco.pytorch.global.torch.ones(b, 3));
    }

    /** Chosen completions labelled desirable, rejected ones undesirable; KL pairs are prompts with another row's completion. */
    private static UnpairedBatch unpairedBatch(Transformer policy, Transformer reference) {
        List<int[]> prompts = new ArrayList<>(PROMPTS), completions = new ArrayList<>(CHOSEN), mismatched = new ArrayList<>();
        prompts.addAll(PROMPTS);
        completions.addAll(REJECTED);
        for (int i = 0; i < completions.size(); i++) mismatched.add(completions.get((i + 1) % completions.size()));
        long[] desirable = {1, 1, 1, 1, 0, 0, 0, 0};
        return new UnpairedBatch(logps(policy, prompts, completions), logps(reference, prompts, completions),
                longs(desirable, 8).to(org.bytedeco.pytorch.global.torch.ScalarType.Bool),
                logps(policy, prompts, mismatched), logps(reference, prompts, mismatched));
    }

    private static Logps logps(Transformer m, List<int[]> prompts, List<int[]> completions) {
        TokenLogps lp = LogProbs.of(m, SequenceBatch.of(prompts, completions, 0));
        return new Logps(lp.sum(), lp.length());
    }
}
