package org.jpo.model;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.jpo.loss.Wpo;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.jpo.tensor.Tensors.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Chunked log-probs equal the log-softmax of the full [B,T-1,V] logits (the computation before chunking), in
 * the same [B,T-1] layout, for every chunk size, with the mean logits and WPO's weights; and packed pairs put
 * the plain forward's values in the plain [2B,L] rows.
 */
class LogProbsTest {
    static final List<int[]> PROMPTS = List.of(new int[] {1, 5, 9}, new int[] {1}, new int[] {1, 2, 3, 4, 5, 6});
    static final List<int[]> COMPLETIONS = List.of(new int[] {7, 8}, new int[] {3, 3, 3, 3, 3, 30}, new int[] {11});
    /** Measured max |difference| 2.4e-7 (float32 rounding of different matmul shapes). */
    static final double TOL = 1e-6;

    /** The full-logits computation, as LogProbs did before chunking: [B,T-1] log-probs and the [B,T-1,V] logits. */
    static Tensor[] full(Transformer m, SequenceBatch b) {
        long t = b.ids().size(1);
        Tensor logits = m.logits(m.hidden(b.ids()).narrow(1, 0, t - 1));                                  // [B,T-1,V]
        Tensor lp = logits.gather(-1, b.ids().narrow(1, 1, t - 1).unsqueeze(-1)).squeeze(-1)
                .sub(logits.logsumexp(new long[] {-1}, false)).mul(b.completionMask());                   // [B,T-1]
        return new Tensor[] {lp, logits};
    }

    static void close(double[] want, double[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], TOL, what + "[" + i + "]");
    }

    @Test void chunkedEqualsFullLogitsForEveryChunkSize() {
        for (ModelConfig c : List.of(ModelConfig.llama(53, 32, 2, 4, 2, 48, 32), ModelConfig.gpt2(53, 32, 2, 4, 32))) {
            try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard(); Transformer m = Transformer.random(c, 4)) {
                SequenceBatch b = SequenceBatch.of(PROMPTS, COMPLETIONS, 0);
                Tensor[] f = full(m, b);
                Tensor mask = b.completionMask();                                                           // [B,T-1]
                double[] wantMean = toDoubles(sum(mean(f[1], 2).mul(mask), 1).div(sum(mask, 1)));
                double[] wantWpo = toDoubles(Wpo.weights(f[1], b.ids().narrow(1, 1, b.ids().size(1) - 1), mask));
                for (int chunk : new int[] {0, 1, 2, 5, 1000}) {
                    LogProbs.Forward out = LogProbs.forward(m, b, chunk, true);
                    assertArrayEquals(sizes(f[0]), sizes(out.logps().logps()));
                    close(toDoubles(f[0]), toDoubles(out.logps().logps()), c.modelType() + " chunk " + chunk + " logps");
                    close(wantMean, toDoubles(out.logps().meanLogits()), "mean logits");
                    close(wantWpo, toDoubles(Wpo.fromTokens(out.logps().logps(), out.logSumSq().orElseThrow(), out.logps().mask())), "wpo");
                }
                close(toDoubles(f[0]), toDoubles(LogProbs.of(m, b).logps()), "default chunk");
            }
        }
    }

    /** Pair i's chosen values land in row i, its rejected in row B+i, token j in column j. */
    @Test void packedPairsFillThePlainRows() {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard();
             Transformer m = Transformer.random(ModelConfig.llama(53, 32, 2, 4, 4, 48, 32), 9)) {
            List<int[]> rejected = List.of(new int[] {4, 4, 4, 4}, new int[] {9}, new int[] {12, 13});
            PackedLists pp = PackedLists.pairs(PROMPTS, COMPLETIONS, rejected, 0);
            double[] got = toDoubles(LogProbs.forward(m, pp, 2, false).logps().logps());                     // [2B,L]
            int b = PROMPTS.size(), l = 6;
            assertEquals(2 * b * l, got.length);
            for (int side = 0; side < 2; side++) {
                List<int[]> ys = side == 0 ? COMPLETIONS : rejected;
                double[] want = toDoubles(full(m, SequenceBatch.of(PROMPTS, ys, 0))[0]);                     // [B,T-1]
                long t1 = sizes(SequenceBatch.of(PROMPTS, ys, 0).completionMask())[1];
                for (int i = 0; i < b; i++) {
                    for (int j = 0; j < l; j++) {
                        double w = j < ys.get(i).length ? want[(int) (i * t1 + PROMPTS.get(i).length - 1 + j)] : 0;
                        assertEquals(w, got[(side * b + i) * l + j], TOL, "side " + side + " pair " + i + " token " + j);
                    }
                }
            }
        }
    }
}
