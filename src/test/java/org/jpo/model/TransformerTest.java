package org.jpo.model;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.jpo.sampling.LocalSampler;
import org.jpo.sampling.Prompt;
import org.jpo.sampling.SamplingParams;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.jpo.tensor.Tensors.*;
import static org.junit.jupiter.api.Assertions.*;

/** Tiny random models of both families: cache vs no cache, batched log-probs vs one position at a time. */
class TransformerTest {
    static Stream<ModelConfig> configs() {
        return Stream.of(
                ModelConfig.gpt2(61, 32, 2, 4, 64),
                ModelConfig.llama(61, 32, 2, 4, 2, 48, 64),                       // GQA: 4 query heads, 2 kv heads
                new ModelConfig(ModelConfig.Family.LLAMA, "qwen2", 61, 32, 2, 4, 4, 8, 40, 64, 1e-6, 1e6,
                        ModelConfig.RopeScaling.NONE, false, true, false, "silu",
                        java.util.OptionalInt.empty(), java.util.OptionalInt.empty()));   // q/k/v biases, untied head
    }

    /** log p(ids[t+1] | ids[≤t]) from a fresh forward over the prefix ids[0..t] alone, in double. */
    private static double naiveLogp(Transformer m, int[] ids, int t) {
        long[] prefix = new long[t + 1];
        for (int i = 0; i <= t; i++) prefix[i] = ids[i];
        Tensor logits = m.logits(m.hidden(longs(prefix, 1, t + 1))).select(1, t).select(0, 0);   // [V]
        double[] l = toDoubles(logits);
        double max = Double.NEGATIVE_INFINITY, z = 0;
        for (double v : l) max = Math.max(max, v);
        for (double v : l) z += Math.exp(v - max);
        return l[ids[t + 1]] - max - Math.log(z);
    }

    @ParameterizedTest @MethodSource("configs")
    void batchedLogProbsMatchOnePositionAtATime(ModelConfig c) {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard();
             Transformer m = Transformer.random(c, 7)) {
            List<int[]> prompts = List.of(new int[] {1, 5, 9}, new int[] {3}, new int[] {2, 4, 6, 8, 10});
            List<int[]> completions = List.of(new int[] {11, 12, 13, 14}, new int[] {20, 21}, new int[] {30, 31, 32});
            TokenLogps lp = LogProbs.of(m, SequenceBatch.of(prompts, completions, 0));
            double[] sums = toDoubles(lp.sum());
            for (int r = 0; r < prompts.size(); r++) {
                int[] p = prompts.get(r), comp = completions.get(r);
                int[] ids = new int[p.length + comp.length];
                System.arraycopy(p, 0, ids, 0, p.length);
                System.arraycopy(comp, 0, ids, p.length, comp.length);
                double expect = 0;
                for (int t = p.length - 1; t < ids.length - 1; t++) expect += naiveLogp(m, ids, t);
                assertEquals(expect, sums[r], 1e-5, "row " + r);
            }
            assertArrayEquals(new double[] {4, 2, 3}, toDoubles(lp.length()));
        }
    }

    @ParameterizedTest @MethodSource("configs")
    void greedyWithCacheEqualsGreedyWithout(ModelConfig c) {
        try (PointerScope scope = new PointerScope(); Transformer m = Transformer.random(c, 11)) {
            int[] prompt = {3, 1, 4, 1, 5};
            int steps = 20;
            List<Integer> ids = new ArrayList<>();
            for (int v : prompt) ids.add(v);
            try (NoGradGuard g = new NoGradGuard()) {
                for (int s = 0; s < steps; s++) {
                    long[] seq = ids.stream().mapToLong(Integer::longValue).toArray();
                    Tensor logits = m.logits(m.hidden(longs(seq, 1, seq.length))).select(1, seq.length - 1);   // [1,V]
                    ids.add((int) toLongs(logits.argmax())[0]);
                }
            }
            int[] expected = ids.subList(prompt.length, ids.size()).stream().mapToInt(Integer::intValue).toArray();
            // batch it with prompts of other lengths, so left padding and masking are exercised
            var sampler = new LocalSampler(m, Set.of(), 8);
            var out = sampler.sample(List.of(new Prompt(0, new int[] {7}), new Prompt(1, prompt), new Prompt(2, new int[] {9, 9, 9, 9, 9, 9, 9, 9})),
                    SamplingParams.greedy(steps));
            assertArrayEquals(expected, out.get(1).tokenIds());
            var alone = sampler.sample(List.of(new Prompt(1, prompt)), SamplingParams.greedy(steps));
            assertArrayEquals(expected, alone.get(0).tokenIds());
        }
    }

    @ParameterizedTest @MethodSource("configs")
    void sampledTokenLogpsAreTheModelsLogProbs(ModelConfig c) {
        try (PointerScope scope = new PointerScope(); Transformer m = Transformer.random(c, 5)) {
            int[] prompt = {2, 7, 1};
            var params = new SamplingParams(1, 6, 0.8, 0, 1.0, false, 99);
            var out = new LocalSampler(m, Set.of(), 4).sample(List.of(new Prompt(0, prompt)), params).get(0);
            int[] ids = new int[prompt.length + out.tokenIds().length];
            System.arraycopy(prompt, 0, ids, 0, prompt.length);
            System.arraycopy(out.tokenIds(), 0, ids, prompt.length, out.tokenIds().length);
            try (NoGradGuard g = new NoGradGuard()) {
                for (int j = 0; j < out.tokenIds().length; j++) {
                    assertEquals(naiveLogp(m, ids, prompt.length - 1 + j), out.tokenLogps()[j], 1e-5, "token " + j);
                }
            }
        }
    }
}
