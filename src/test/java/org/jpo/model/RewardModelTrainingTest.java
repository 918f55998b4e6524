package org.jpo.model;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.jpo.loss.BradleyTerry;
import org.jpo.loss.LossResult;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.jpo.tensor.Tensors.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The pieces learn: a tiny reward model trained with torch AdamW on the Bradley–Terry loss picks up a toy rule
 * (the chosen completion contains token 7, the rejected one, of the same length, does not) and ranks held-out
 * pairs it never saw.
 */
class RewardModelTrainingTest {
    static final ModelConfig CONFIG = ModelConfig.llama(16, 32, 1, 4, 4, 64, 16);
    static final int RULE_TOKEN = 7;

    /** B pairs sharing prompts: prompts, then chosen and rejected completions. */
    record Pairs(List<int[]> prompts, List<int[]> chosen, List<int[]> rejected) {
        /** Chosen rows then rejected rows, one concatenated forward. */
        SequenceBatch batch() {
            List<int[]> p = new ArrayList<>(prompts), c = new ArrayList<>(chosen);
            p.addAll(prompts);
            c.addAll(rejected);
            return SequenceBatch.of(p, c, 0);
        }
    }

    static Pairs pairs(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<int[]> prompts = new ArrayList<>(), chosen = new ArrayList<>(), rejected = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] prompt = new int[1 + rng.nextInt(1, 4)];
            prompt[0] = 1;
            for (int j = 1; j < prompt.length; j++) prompt[j] = other(rng);
            int len = rng.nextInt(3, 7);
            int[] good = new int[len], bad = new int[len];
            for (int j = 0; j < len; j++) {
                good[j] = other(rng);
                bad[j] = other(rng);
            }
            good[rng.nextInt(len)] = RULE_TOKEN;
            prompts.add(prompt);
            chosen.add(good);
            rejected.add(bad);
        }
        return new Pairs(prompts, chosen, rejected);
    }

    /** A token from 2..15 other than the rule's. */
    private static int other(SplittableRandom rng) {
        int t = rng.nextInt(2, 15);
        return t >= RULE_TOKEN ? t + 1 : t;
    }

    static LossResult loss(RewardModel rm, Pairs p) {
        Tensor r = rm.rewards(p.batch());                                                         // [2B]
        long b = p.prompts().size();
        return new BradleyTerry(0).apply(r.narrow(0, 0, b), r.narrow(0, b, b));
    }

    static Map<String, Double> evaluate(RewardModel rm, Pairs heldOut) {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            return BradleyTerry.metrics(loss(rm, heldOut));
        }
    }

    @Test void aTinyRewardModelLearnsTheRuleAndRanksHeldOutPairs() {
        Pairs heldOut = pairs(64, 999);
        try (PointerScope scope = new PointerScope(); Transformer base = Transformer.random(CONFIG, 1);
             RewardModel rm = RewardModel.fromPolicy(base, 2)) {
            Map<String, Double> before = evaluate(rm, heldOut);
            rm.trainable(true);
            AdamWOptions options = new AdamWOptions(1e-2);
            options.weight_decay().put(0.0);
            AdamW optimizer = new AdamW(rm.parameterVector(), options);
            for (int step = 0; step < 40; step++) {
                try (PointerScope stepScope = new PointerScope()) {
                    optimizer.zero_grad();
                    loss(rm, pairs(16, step)).mean().backward();
                    optimizer.step();
                }
            }
            Map<String, Double> after = evaluate(rm, heldOut);
            assertTrue(before.get("accuracy") < 0.75, "untrained accuracy already " + before);
            assertTrue(after.get("accuracy") > 0.9, "held-out accuracy " + after + " (before: " + before + ")");
            assertTrue(after.get("loss") < 0.5 * before.get("loss"), "held-out loss " + after + " (before: " + before + ")");
            assertTrue(after.get("margin") > 0, "held-out margin " + after);
        }
    }
}
