package org.jpo.loss;

import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.jpo.tensor.Tensors.*;
import static org.junit.jupiter.api.Assertions.*;

class MetricsTest {
    @Test void pairedMetricsOnAHandCase() {
        try (PointerScope scope = new PointerScope()) {
            LossResult r = new LossResult(vector(0.5, 1.5, 1.0), vector(1, 0.2, -1), vector(0.5, 0.4, -2));
            PairLogps policy = new PairLogps(new Logps(vector(-3, -4, -5), vector(1, 1, 1)),
                    new Logps(vector(-6, -7, -8), vector(1, 1, 1)));
            Map<String, Double> m = Metrics.of(r, policy);
            assertEquals(List.of("loss", "rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies",
                    "logps/chosen", "logps/rejected"), List.copyOf(m.keySet()));
            assertEquals(1.0, m.get("loss"), 1e-6);
            assertEquals(0.2 / 3, m.get("rewards/chosen"), 1e-6);
            assertEquals(-1.1 / 3, m.get("rewards/rejected"), 1e-6);
            assertEquals(1.3 / 3, m.get("rewards/margins"), 1e-6);
            assertEquals(2.0 / 3, m.get("rewards/accuracies"), 1e-12);
            assertEquals(-4.0, m.get("logps/chosen"), 1e-6);
            assertEquals(-7.0, m.get("logps/rejected"), 1e-6);
        }
    }

    @Test void unpairedMetricsAverageEachSideOverItsOwnExamples() {
        try (PointerScope scope = new PointerScope()) {
            Logps ones = new Logps(vector(-2, -3), vector(1, 1));
            UnpairedBatch b = new UnpairedBatch(new Logps(vector(-1, -2, -3, -4), vector(1, 1, 1, 1)),
                    new Logps(vector(-1, -1, -1, -1), vector(1, 1, 1, 1)), vector(1, 0, 1, 0),
                    ones, new Logps(vector(-3, -3), vector(1, 1)));   // KL̂ = mean(1, 0) = 0.5
            LossResult r = new LossResult(vector(0.2, 0.4, 0.6, 0.8), vector(0, 0, -0.2, 0), vector(0, -0.1, 0, -0.3));
            Map<String, Double> m = Metrics.of(r, b);
            assertEquals(0.5, m.get("loss"), 1e-6);
            assertEquals(-0.1, m.get("rewards/chosen"), 1e-6);
            assertEquals(-0.2, m.get("rewards/rejected"), 1e-6);
            assertEquals(0.1, m.get("rewards/margins"), 1e-6);
            assertEquals(-2.0, m.get("logps/chosen"), 1e-6);
            assertEquals(-3.0, m.get("logps/rejected"), 1e-6);
            assertEquals(0.5, m.get("kl"), 1e-6);
        }
    }
}
