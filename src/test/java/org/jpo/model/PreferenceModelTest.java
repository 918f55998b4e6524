package org.jpo.model;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.jpo.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.jpo.tensor.Tensors.toDoubles;
import static org.junit.jupiter.api.Assertions.*;

/** The preference model's construction: P(y ≻ y′) + P(y′ ≻ y) = 1 whatever the weights and the batch, and its directory. */
class PreferenceModelTest {
    static final ModelConfig CONFIG = ModelConfig.llama(16, 32, 2, 4, 4, 64, 40);
    static final int SEPARATOR = 1;

    @TempDir Path tmp;

    static int[] tokens(SplittableRandom rng, int min, int max) {
        int[] t = new int[rng.nextInt(min, max + 1)];
        for (int i = 0; i < t.length; i++) t[i] = rng.nextInt(2, 16);
        return t;
    }

    static double sigmoid(double d) { return 1 / (1 + Math.exp(-d)); }

    /**
     * Random weights, random prompts and completions of different lengths: P(y ≻ y′) from one batch of 12 and P(y′ ≻ y)
     * from each reversed pair alone (other padding, other shapes) sum to 1 within 1e-6, and P(y ≻ y) is ½ exactly.
     */
    @Test void preferencesOfBothOrdersSumToOne() {
        SplittableRandom rng = new SplittableRandom(7);
        List<int[]> prompts = new ArrayList<>(), ys = new ArrayList<>(), others = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            prompts.add(tokens(rng, 1, 6));
            ys.add(tokens(rng, 1, 12));
            others.add(tokens(rng, 1, 12));
        }
        for (long seed = 1; seed <= 3; seed++) {
            try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard(); Transformer base = Transformer.random(CONFIG, seed);
                 PreferenceModel pm = PreferenceModel.fromPolicy(base, seed + 10, SEPARATOR)) {
                double[] forward = toDoubles(pm.logits(prompts, ys, others));
                double[] self = toDoubles(pm.logits(prompts, ys, ys));
                double spread = 0;
                for (int i = 0; i < 12; i++) {
                    double backward = toDoubles(pm.logits(List.of(prompts.get(i)), List.of(others.get(i)), List.of(ys.get(i))))[0];
                    assertEquals(1.0, sigmoid(forward[i]) + sigmoid(backward), 1e-6, "seed " + seed + ", pair " + i);
                    assertEquals(0.0, self[i], 0, "d(y, y) of pair " + i);
                    spread = Math.max(spread, Math.abs(forward[i]));
                }
                assertTrue(spread > 0.1, "random weights should prefer something: max |d| = " + spread);
            }
        }
    }

    @Test void theDirectorySaysItIsAPreferenceModelAndLoadsBackEqual() throws Exception {
        List<int[]> p = List.of(new int[] {1, 5}, new int[] {1}), a = List.of(new int[] {3, 4, 2}, new int[] {7}), b = List.of(new int[] {9}, new int[] {8, 8, 2});
        Path dir = tmp.resolve("pm");
        double[] before;
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard(); Transformer base = Transformer.random(CONFIG, 4);
             PreferenceModel pm = PreferenceModel.fromPolicy(base, 5, 2)) {
            before = toDoubles(pm.logits(p, a, b));
            pm.save(dir, List.of());
        }
        assertTrue(Files.readString(dir.resolve(PreferenceModel.FILE)).contains("\"separator_id\" : 2"));
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard(); PreferenceModel back = PreferenceModel.load(dir)) {
            assertEquals(2, back.separator());
            assertArrayEquals(before, toDoubles(back.logits(p, a, b)), 0);
        }
        UserError asReward = assertThrows(UserError.class, () -> RewardModel.load(dir));
        assertTrue(asReward.getMessage().contains("is a preference model (preference_model.json): its head reads a pair of completions"),
                asReward.getMessage());
        UserError asPolicy = assertThrows(UserError.class, () -> Checkpoints.load(dir));
        assertTrue(asPolicy.getMessage().contains("is a preference model (LlamaForSequenceClassification), not a language model; use it as "
                + "feedback {type: preference_model, path: ...}"), asPolicy.getMessage());
        Path rm = tmp.resolve("rm");
        try (Transformer base = Transformer.random(CONFIG, 4); RewardModel r = RewardModel.fromPolicy(base, 5)) {
            r.save(rm, List.of());
        }
        UserError asPreference = assertThrows(UserError.class, () -> PreferenceModel.load(rm));
        assertEquals(rm + " is not a preference model: no preference_model.json (jpo train with method: preference writes it; a reward "
                + "model scores one completion at a time: use {type: reward_model})", asPreference.getMessage());
    }
}
