package org.jpo.tensor;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import static org.jpo.tensor.Tensors.*;
import static org.junit.jupiter.api.Assertions.*;

class TensorsTest {
    @Test void roundTripsArraysAndChecksShapes() {
        try (PointerScope scope = new PointerScope()) {
            Tensor t = floats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
            assertArrayEquals(new float[] {5, 7, 9}, toFloats(sum(t, 0)));
            assertArrayEquals(new long[] {2, 3}, sizes(t));
            checkShape(t, "t", 2, -1);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> checkShape(t, "logits", 3, 3));
            assertEquals("logits has shape [2, 3], expected [3, 3]", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> longs(new long[] {1, 2, 3}, 2, 2));
        }
    }
}
