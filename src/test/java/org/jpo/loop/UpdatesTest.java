package org.jpo.loop;

import org.jpo.model.ModelConfig;
import org.jpo.model.Transformer;
import org.junit.jupiter.api.Test;

import static org.jpo.tensor.Tensors.toFloats;
import static org.junit.jupiter.api.Assertions.*;

/** APO's momentum and the EMA reference, element by element against the formulas: exactly, as the same float operations. */
class UpdatesTest {
    static final ModelConfig SHAPE = ModelConfig.llama(32, 16, 1, 2, 2, 32, 16);

    @Test void momentumExtrapolatesAlongTheRoundsStep() {
        try (Transformer neu = Transformer.random(SHAPE, 1); Transformer old = Transformer.random(SHAPE, 2); Transformer keep = Transformer.random(SHAPE, 1)) {
            Updates.momentum(neu, old, 0.3);
            for (String k : neu.parameterNames()) {
                float[] got = toFloats(neu.parameters().get(k)), n = toFloats(keep.parameters().get(k)), o = toFloats(old.parameters().get(k));
                for (int i = 0; i < got.length; i++) assertEquals(n[i] + 0.3f * (n[i] - o[i]), got[i], 0f, k + "[" + i + "]");
            }
        }
    }

    @Test void emaMovesTheReferenceTowardThePolicy() {
        try (Transformer ref = Transformer.random(SHAPE, 3); Transformer pol = Transformer.random(SHAPE, 4); Transformer keep = Transformer.random(SHAPE, 3)) {
            Updates.ema(ref, pol, 0.25);
            for (String k : ref.parameterNames()) {
                float[] got = toFloats(ref.parameters().get(k)), r = toFloats(keep.parameters().get(k)), p = toFloats(pol.parameters().get(k));
                for (int i = 0; i < got.length; i++) assertEquals(0.75f * r[i] + 0.25f * p[i], got[i], 0f, k + "[" + i + "]");
            }
        }
    }
}
