package org.jpo.train;

import org.bytedeco.javacpp.PointerScope;
import org.jpo.data.Example;
import org.jpo.data.GroupExample;
import org.jpo.loss.GroupLoss;
import org.jpo.loss.LossType;
import org.jpo.model.ModelConfig;
import org.jpo.model.Transformer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

import static org.jpo.tensor.Tensors.item;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The group objective on a tiny random model: π_old computed before the first step makes the ratio 1 (the loss is
 * REINFORCE's), and a micro-batch's Step weight is its sample count, so the ranks' weighted mean is the global batch's
 * loss, dr_grpo's N·L_max denominator included.
 */
class GroupObjectiveTest {
    static final int L_MAX = 7;

    static List<GroupExample> examples() {
        SplittableRandom rng = new SplittableRandom(5);
        List<GroupExample> out = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int[] prompt = rng.ints(2 + rng.nextInt(3), 1, 40).toArray(), completion = rng.ints(1 + rng.nextInt(L_MAX), 1, 40).toArray();
            out.add(new GroupExample("t:" + i, prompt, completion, rng.nextDouble(-1.5, 1.5), rng.nextDouble(), rng.nextDouble()));
        }
        return out;
    }

    @ParameterizedTest @EnumSource(value = LossType.class, names = {"GRPO", "DR_GRPO", "RLOO"})
    void ratioOneAtTheStartAndWeightsGiveTheGlobalMean(LossType type) {
        List<GroupExample> ex = examples();
        try (PointerScope scope = new PointerScope(); Transformer model = Transformer.random(ModelConfig.llama(40, 16, 1, 2, 2, 24, 32), 3)) {
            double[][] old = CompletionLogps.compute("old", model, ex, 2, DataParallel.SINGLE);
            Map<Example, double[]> byExample = new IdentityHashMap<>();
            for (int i = 0; i < ex.size(); i++) byExample.put(ex.get(i), old[i]);
            GroupObjective o = new GroupObjective(model.borrowed(), new GroupLoss(type, 0.2, 0), byExample, Optional.empty(), L_MAX);
            Objective.Step all = o.compute(ex), a = o.compute(ex.subList(0, 2)), b = o.compute(ex.subList(2, 5));
            assertEquals(5, all.weight());
            double global = (a.weight() * item(a.loss()) + b.weight() * item(b.loss())) / (a.weight() + b.weight());
            assertEquals(item(all.loss()), global, 5e-7, "the ranks' weighted mean is not the global batch's loss");
            // ρ = 1 (to float32 rounding of differently padded batches): term_t = −A_i, so the loss is −mean_i A_i·|y_i| / d_i;
            // both checks measured within 2.8e-7 of the exact value
            double reinforce = 0;
            for (GroupExample e : ex) {
                int n = e.completion().length;
                double d = switch (type) { case GRPO -> n; case DR_GRPO -> L_MAX; default -> 1; };
                reinforce += -e.advantage() * n / d / ex.size();
            }
            System.out.println(type + ": |global − weighted| " + Math.abs(item(all.loss()) - global) + ", |loss − reinforce| "
                    + Math.abs(item(all.loss()) - reinforce));
            assertEquals(reinforce, item(all.loss()), 5e-7, "the ratio is not 1 before the first step");
            assertEquals(0.0, all.metrics().get("clip_ratio/region_mean"));
        }
    }
}
