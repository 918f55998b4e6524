package org.jpo.sampling;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import static org.jpo.tensor.Tensors.*;
import static org.junit.jupiter.api.Assertions.*;

/** Inverse-CDF picks on logits whose probabilities are known exactly: [0, 1/4, 3/4, 0] (tokens 0 and 3 impossible). */
class TokenChooserTest {
    private static final double NO = Double.NEGATIVE_INFINITY;

    private static long[] pick(Choice c, double... u) {
        try (PointerScope scope = new PointerScope()) {
            double[] row = {NO, Math.log(1), Math.log(3), NO};
            double[] all = new double[4 * u.length];
            for (int b = 0; b < u.length; b++) System.arraycopy(row, 0, all, 4 * b, 4);
            Tensor logits = doubles(all, u.length, 4).to(org.bytedeco.pytorch.global.torch.ScalarType.Float);   // [B,V]
            Choice[] choices = new Choice[u.length];
            java.util.Arrays.fill(choices, c);
            Tensor chosen = TokenChooser.choose(logits, u, choices);                                             // [B]
            return java.util.Arrays.stream(toDoubles(chosen.to(org.bytedeco.pytorch.global.torch.ScalarType.Double)))
                    .mapToLong(x -> (long) x).toArray();
        }
    }

    /** Without top-p the CDF runs in vocabulary order: u in [0, 1/4) is token 1, [1/4, 1) token 2. */
    @Test void vocabularyOrderSplitsTheUnitIntervalByProbability() {
        assertArrayEquals(new long[] {1, 1, 2, 2, 2}, pick(new Choice(1.0, 0, 1.0, false), 0.0, 0.2499, 0.25, 0.5, 0.99999999));
    }

    /** With top-p the CDF runs most likely first: u below 3/4 is token 2, above it token 1. */
    @Test void topPOrdersTheCdfMostLikelyFirst() {
        assertArrayEquals(new long[] {2, 2, 1, 1}, pick(new Choice(1.0, 0, 0.999, false), 0.0, 0.7499, 0.7501, 0.99999999));
    }
}
