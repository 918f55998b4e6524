package org.jpo.train;

import org.bytedeco.javacpp.PointerScope;
import org.jpo.UserError;
import org.jpo.data.Example;
import org.jpo.loss.PreferenceLoss;
import org.jpo.model.Transformer;
import org.jpo.data.PairExample;
import org.jpo.loss.Sigmoid;
import org.jpo.loss.Sft;
import org.jpo.loss.WeightedSum;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.OptionalDouble;

import static org.jpo.tensor.Tensors.toFloats;
import static org.junit.jupiter.api.Assertions.*;

/**
 * margin_weighting (ScPO, arXiv:2411.04109): the micro-batch's loss is the mean of margin_i · loss_i, with loss_i each pair's
 * own (RPO's sigmoid + NLL, as ScPO trains), and so is its gradient; the margins carry no gradient.
 */
class MarginWeightingTest {
    static final double[] MARGINS = {0.75, 0.25, 0.5, 1.0};

    @Test void eachPairsLossAndGradientAreScaledByItsMargin() {
        List<PairExample> plain = PrefixSharingTest.pairs(3), weighted = new ArrayList<>();
        for (int i = 0; i < plain.size(); i++) {
            PairExample p = plain.get(i);
            weighted.add(new PairExample(p.source(), p.prompt(), p.chosen(), p.rejected(), OptionalDouble.of(MARGINS[i]), p.winProbs()));
        }
        var rpo = WeightedSum.of(List.of(new Sigmoid(0.1), new Sft()), List.of(1.0, 1.0));
        var on = new DpoObjective.Modifiers(1, false, true, false, true, 0);
        Map<Example, double[]> reference = new IdentityHashMap<>();
        for (int i = 0; i < plain.size(); i++) {
            double[] v = {-20.0 - i, -21.5 + i};
            reference.put(plain.get(i), v);
            reference.put(weighted.get(i), v);
        }
        Outcome all = step(rpo, on, weighted, reference);
        double loss = 0;
        float[] grad = null;
        String name = "model.layers.0.self_attn.q_proj.weight";
        for (int i = 0; i < plain.size(); i++) {
            Outcome one = step(rpo, PrefixSharingTest.mods(1, false, true, 0), List.of(plain.get(i)), reference);
            loss += MARGINS[i] * one.loss() / plain.size();
            float[] g = one.grads().get(name);
            if (grad == null) grad = new float[g.length];
            for (int k = 0; k < g.length; k++) grad[k] += (float) (MARGINS[i] * g[k] / plain.size());
        }
        assertEquals(loss, all.loss(), 1e-6);
        float[] got = all.grads().get(name);
        double worst = 0;
        for (int k = 0; k < got.length; k++) worst = Math.max(worst, Math.abs(got[k] - grad[k]));
        assertTrue(worst < 1e-6, "max gradient difference " + worst);
    }

    record Outcome(double loss, Map<String, float[]> grads) {}

    static Outcome step(PreferenceLoss loss, DpoObjective.Modifiers mods, List<PairExample> pairs, Map<Example, double[]> reference) {
        try (PointerScope scope = new PointerScope()) {
            Transformer policy = Transformer.random(PrefixSharingTest.LLAMA, 5);
            DpoObjective objective = new DpoObjective(policy, loss, new DpoObjective.Cached(reference), mods);
            Objective.Step s = objective.train(pairs);
            s.backward(1);
            Map<String, float[]> grads = new LinkedHashMap<>();
            for (var e : policy.parameters().entrySet()) grads.put(e.getKey(), toFloats(e.getValue().grad()));
            Outcome o = new Outcome(s.loss().item_double(), grads);
            objective.close();
            return o;
        }
    }

    @Test void aRowWithoutAMarginIsAnErrorNamingIt() {
        var on = new DpoObjective.Modifiers(1, false, true, false, true, 0);
        var e = assertThrows(UserError.class,
                () -> PrefixSharingTest.step(PrefixSharingTest.LLAMA, new Sigmoid(0.1), on, PrefixSharingTest.pairs(3), false));
        assertTrue(e.getMessage().startsWith("t: margin_weighting needs a margin on every row"), e.getMessage());
    }
}
