package org.jpo.train;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.jpo.tensor.Tensors.*;
import static org.junit.jupiter.api.Assertions.*;

class AdamWTest {
    /** Three steps of ours and of torch::optim::AdamW on the same 2-D parameters and gradients agree. */
    @Test void matchesTorchAdamW() {
        try (PointerScope scope = new PointerScope()) {
            torch.manual_seed(1);
            Tensor a = torch.randn(4, 3).requires_grad_(true), b = a.detach().clone().requires_grad_(true);
            Map<String, Tensor> mine = new LinkedHashMap<>(Map.of("w", a));
            var opts = new AdamWOptions(1e-2);
            opts.weight_decay().put(0.1);
            opts.eps().put(1e-8);
            var theirs = new org.bytedeco.pytorch.AdamW(new TensorVector(b), opts);
            try (AdamW ours = new AdamW(mine, 0.9, 0.999, 1e-8, 0.1)) {
                for (int step = 0; step < 3; step++) {
                    Tensor g = torch.randn(4, 3);
                    a.mutable_grad().put(g.clone());
                    b.mutable_grad().put(g.clone());
                    ours.step(1e-2);
                    theirs.step();
                    ours.zeroGrad();
                    assertFalse(a.grad().defined());
                }
                double diff = item(a.sub(b).abs().max());
                assertTrue(diff < 1e-6, "max |ours - torch| = " + diff);
                assertTrue(item(a.sub(torch.randn(4, 3)).abs().max()) > 0);
            }
        }
    }

    @Test void oneDimensionalParametersAreNotDecayed() {
        try (PointerScope scope = new PointerScope()) {
            Tensor bias = vector(1, 2, 3).requires_grad_(true);
            try (AdamW opt = new AdamW(Map.of("b", bias), 0.9, 0.999, 1e-8, 0.5)) {
                bias.mutable_grad().put(torch.zeros(3));
                opt.step(0.1);
                assertArrayEquals(new float[] {1, 2, 3}, toFloats(bias));   // zero gradient, no decay: unchanged
            }
        }
    }

    @Test void schedulesFollowTheHfFormulas() {
        var lin = new Schedule(Schedule.Kind.LINEAR, 1.0, 10, 110);
        assertEquals(0.0, lin.at(0));
        assertEquals(0.5, lin.at(5), 1e-12);
        assertEquals(1.0, lin.at(10), 1e-12);
        assertEquals(0.5, lin.at(60), 1e-12);
        var cos = new Schedule(Schedule.Kind.COSINE, 2.0, 0, 100);
        assertEquals(2.0, cos.at(0), 1e-12);
        assertEquals(1.0, cos.at(50), 1e-12);
        assertEquals(0.0, cos.at(100), 1e-12);
        assertEquals(3.0, new Schedule(Schedule.Kind.CONSTANT, 3.0, 5, 10).at(0));
        assertEquals(1.5, new Schedule(Schedule.Kind.CONSTANT_WITH_WARMUP, 3.0, 4, 10).at(2), 1e-12);
    }
}
