package org.jpo.train;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.jpo.data.Example;
import org.jpo.data.ListExample;
import org.jpo.loss.LipoLambda;
import org.jpo.loss.ListLoss;
import org.jpo.loss.Mpo;
import org.jpo.loss.Pro;
import org.jpo.model.ModelConfig;
import org.jpo.model.Transformer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

import static org.jpo.tensor.Tensors.toDoubles;
import static org.jpo.tensor.Tensors.toFloats;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The listwise objective on tiny random Llama (grouped-query attention) and GPT-2 models, lists of K = 2, 3 and 4
 * completions of uneven lengths in one batch: the prompt shared by the list's completions (one packed row per list)
 * gives the log-probs, loss, metrics and gradients of one row per completion; so does the chunked head; a padded batch
 * gives each list's log-probs as when it is alone; the reference precompute matches and is cached.
 */
class ListObjectiveTest {
    static final ModelConfig LLAMA = ModelConfig.llama(61, 32, 2, 4, 2, 48, 64);
    static final ModelConfig GPT2 = ModelConfig.gpt2(61, 32, 2, 4, 64);
    /** Shared vs per-completion rows, relative above 1 (log-probs, loss, metrics, gradients): measured max 4.8e-7. */
    static final double TOL = 1e-6;
    /**
     * Absolute, on log-prob sums near −20 (a float32 ulp there is 1.9e-6): padded vs alone measured 1.9e-6, the reference's
     * shared vs plain rows 9.5e-7.
     */
    static final double ABS = 4e-6;

    /** Prompt length, then completion lengths: lists of 3, 2 and 4, with a tie in the first and a tied top in the last. */
    static List<ListExample> lists(long seed) {
        int[][] lens = {{3, 4, 2, 5}, {7, 1, 3}, {1, 6, 3, 2, 4}};
        double[][] scores = {{1.0, 0.0, 1.0}, {0.2, 0.7}, {2.0, 2.0, 0.5, -1.0}};
        SplittableRandom rng = new SplittableRandom(seed);
        List<ListExample> out = new ArrayList<>();
        for (int i = 0; i < lens.length; i++) {
            int[][] c = new int[lens[i].length - 1][];
            for (int j = 0; j < c.length; j++) c[j] = rng.ints(lens[i][j + 1], 1, 61).toArray();
            out.add(new ListExample("t:" + i, rng.ints(lens[i][0], 1, 61).toArray(), c, scores[i]));
        }
        return out;
    }

    /** Made-up reference log-probs, one per completion. */
    static Map<Example, double[]> cached(List<ListExample> lists) {
        Map<Example, double[]> m = new IdentityHashMap<>();
        for (int i = 0; i < lists.size(); i++) {
            double[] r = new double[lists.get(i).size()];
            for (int j = 0; j < r.length; j++) r[j] = -20.0 - i + 0.7 * j;
            m.put(lists.get(i), r);
        }
        return m;
    }

    record Outcome(double[] logps, double loss, Map<String, Double> metrics, Map<String, float[]> grads) {}

    /** The batch's [B,K] log-probs, then one training micro-batch: loss, metrics, backward as the trainer does it. */
    static Outcome step(ModelConfig config, ListLoss loss, boolean shared, int chunk, List<ListExample> lists) {
        try (PointerScope scope = new PointerScope()) {
            Transformer policy = Transformer.random(config, 5);
            double[] logps;
            try (NoGradGuard g = new NoGradGuard()) {
                logps = toDoubles(ListObjective.logps(policy, lists, shared, chunk).sums());
            }
            ListObjective o = new ListObjective(policy, loss, loss.readsReference() ? Optional.of(cached(lists)) : Optional.empty(), shared, chunk);
            Objective.Step s = o.train(lists);
            s.backward(1);
            Map<String, float[]> grads = new LinkedHashMap<>();
            for (var e : policy.parameters().entrySet()) grads.put(e.getKey(), toFloats(e.getValue().grad()));
            Outcome out = new Outcome(logps, s.loss().item_double(), s.metrics(), grads);
            o.close();
            return out;
        }
    }

    /** Max |a − b| / max(1, |a|) over log-probs, loss, every metric and every gradient entry. */
    static double maxDiff(Outcome a, Outcome b) {
        double d = diff(a.loss(), b.loss());
        for (int i = 0; i < a.logps().length; i++) d = Math.max(d, diff(a.logps()[i], b.logps()[i]));
        assertEquals(a.metrics().keySet(), b.metrics().keySet());
        for (String k : a.metrics().keySet()) d = Math.max(d, diff(a.metrics().get(k), b.metrics().get(k)));
        for (String k : a.grads().keySet()) {
            float[] x = a.grads().get(k), y = b.grads().get(k);
            for (int i = 0; i < x.length; i++) d = Math.max(d, diff(x[i], y[i]));
        }
        return d;
    }

    private static double diff(double a, double b) { return Math.abs(a - b) / Math.max(1, Math.abs(a)); }

    @Test void sharingThePromptGivesThePerCompletionForward() {
        List<ListExample> lists = lists(11);
        double worst = 0;
        for (ModelConfig config : List.of(LLAMA, GPT2)) {
            for (ListLoss loss : List.of(new Pro(0.3), new LipoLambda(0.5), new Mpo(0.5, 1.0))) {
                Outcome plain = step(config, loss, false, 0, lists);
                assertTrue(plain.grads().values().stream().allMatch(g -> g.length > 0), "every parameter has a gradient");
                for (int pad : new int[] {3, 6, 7}) assertEquals(0, plain.logps()[pad], "padding slot " + pad + " holds 0");
                for (int[] mode : new int[][] {{1, 0}, {0, 3}, {1, 5}}) {
                    double d = maxDiff(plain, step(config, loss, mode[0] == 1, mode[1], lists));
                    worst = Math.max(worst, d);
                    assertTrue(d < TOL, config.modelType() + " " + loss.name() + " shared " + mode[0] + " chunk " + mode[1] + ": " + d);
                }
            }
        }
        System.out.println("listwise prefix sharing: max difference (relative above 1) " + worst);
    }

    /** In a batch padded to K = 4 each list's log-probs are its own, computed alone (shared and plain rows). */
    @Test void aPaddedBatchGivesEachListItsOwnLogps() {
        List<ListExample> lists = lists(12);
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard(); Transformer m = Transformer.random(LLAMA, 7)) {
            double worst = 0;
            for (boolean shared : new boolean[] {true, false}) {
                double[] together = toDoubles(ListObjective.logps(m, lists, shared, 0).sums());                // [3,4]
                for (int i = 0; i < lists.size(); i++) {
                    double[] alone = toDoubles(ListObjective.logps(m, List.of(lists.get(i)), shared, 0).sums());  // [1,K_i]
                    for (int j = 0; j < 4; j++) {
                        double want = j < alone.length ? alone[j] : 0;
                        worst = Math.max(worst, Math.abs(want - together[4 * i + j]));
                        assertEquals(want, together[4 * i + j], ABS, "shared " + shared + " list " + i + " completion " + j);
                    }
                }
            }
            System.out.println("listwise padded batch vs alone: max |difference| " + worst);
        }
    }

    /** The reference precompute gives the same sums with and without sharing, then reads them back from the cache. */
    @Test void referenceLogpsAreSharedAndCached(@TempDir Path dir) {
        List<ListExample> lists = lists(13);
        try (Transformer ref = Transformer.random(GPT2, 8)) {
            var plain = ReferenceLogps.lists(dir.resolve("plain"), ref, "x", lists, 2, false, 0, DataParallel.SINGLE);
            var shared = ReferenceLogps.lists(dir.resolve("shared"), ref, "x", lists, 2, true, 3, DataParallel.SINGLE);
            var again = ReferenceLogps.lists(dir.resolve("shared"), ref, "x", lists, 2, true, 3, DataParallel.SINGLE);
            assertTrue(!plain.hit() && !shared.hit() && again.hit());
            double worst = 0;
            for (ListExample e : lists) {
                double[] a = plain.values().get(e), b = shared.values().get(e);
                for (int j = 0; j < 4; j++) worst = Math.max(worst, Math.abs(a[j] - b[j]));
                assertEquals(4, a.length, "padded to the longest list");
                for (int j = 0; j < 4; j++) assertEquals(a[j], b[j], ABS, e.source() + " completion " + j);
                for (int j = e.size(); j < 4; j++) assertEquals(0, a[j]);
                assertArrayEquals(b, again.values().get(e));
            }
            System.out.println("listwise reference log-probs, shared vs plain: max |difference| " + worst);
        }
    }
}
