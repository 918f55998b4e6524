package org.jpo.loss;

import org.jpo.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class LossTypeTest {
    @ParameterizedTest @EnumSource(LossType.class)
    void createBuildsTheLossOfThatNameAndKind(LossType t) {
        PreferenceLoss loss = LossConfigs.loss(t);
        assertEquals(t.key, loss.name());
        Class<?> expected = switch (t.kind) {
            case REFERENCED -> ReferencedLoss.class;
            case REFERENCE_FREE -> ReferenceFreeLoss.class;
            case UNPAIRED -> UnpairedLoss.class;
            case GROUP -> GroupLoss.class;
            case LIST -> ListLoss.class;
        };
        assertInstanceOf(expected, loss);
        assertTrue(t.paper.contains("arXiv:" + t.arxiv), t.paper);
        assertTrue(t.arxiv.matches("\\d{4}\\.\\d{5}"), t.arxiv);
    }

    /** Every knob set away from its default reaches the loss that reads it (and only that one). */
    @Test void knobsReachTheLosses() {
        String knobs = "beta: 0.2\nlabel_smoothing: 0.1\nexo_pair: {epsilon: 0.01}\nipo: {plain: true}\ndiscopop_tau: 0.2\n"
                + "dpop: {lambda: 3}\nrdpo: {alpha: 0.4}\nsimpo: {gamma: 1.5}\ncpo: {alpha: 0.6}\norpo: {lambda: 0.7}\n";
        LossConfig c = LossConfigs.of("loss_type: [robust, cdpo, aot, exo_pair, ipo, discopop, dpop, rdpo, simpo, cpo, orpo]\n" + knobs);
        assertEquals(new Robust(0.2, 0.1), LossType.ROBUST.create(c));
        assertEquals(new Cdpo(0.2, 0.1), LossType.CDPO.create(c));
        assertEquals(new Aot(0.2, 0.1), LossType.AOT.create(c));
        assertEquals(new ExoPair(0.2, 0.01), LossType.EXO_PAIR.create(c));
        assertEquals(new Ipo(0.2, true), LossType.IPO.create(c));
        assertEquals(new Discopop(0.2, 0.2), LossType.DISCOPOP.create(c));
        assertEquals(new Dpop(0.2, 3), LossType.DPOP.create(c));
        assertEquals(new Rdpo(0.2, 0.4), LossType.RDPO.create(c));
        assertEquals(new Simpo(0.2, 1.5), LossType.SIMPO.create(c));
        assertEquals(new Cpo(0.2, 0.6), LossType.CPO.create(c));
        assertEquals(new Orpo(0.7), LossType.ORPO.create(c));
        LossConfig nash = LossConfigs.of("loss_type: [inpo, egpo]\nbeta: 0.2\ninpo: {eta: 4}\negpo: {plain: true}\n");
        assertEquals(new Inpo(4, 0.2), LossType.INPO.create(nash));   // beta is INPO's τ
        assertEquals(new Egpo(0.2, true), LossType.EGPO.create(nash));
        assertEquals(new Kto(0.2, 1.3, 0.9), LossConfigs.of("loss_type: kto\nbeta: 0.2\ndesirable_weight: 1.3\nundesirable_weight: 0.9\n").create());
        assertEquals(new Pro(0.4), LossConfigs.of("loss_type: pro\npro: {sft_weight: 0.4}\n").create());
        assertEquals(new LipoLambda(0.2), LossConfigs.of("loss_type: lipo\nbeta: 0.2\n").create());
        assertEquals(new Mpo(0.2, 2.5), LossConfigs.of("loss_type: mpo\nbeta: 0.2\nmpo: {alpha: 2.5}\n").create());
        assertEquals(new Mpo(0.1, 1.0), LossConfigs.of("loss_type: mpo\n").create());
        // TRL's coefficient a is the formula sheet's α = 1 − a
        LossConfig f = LossConfigs.of("f_divergence_type: alpha_divergence\nf_alpha_divergence_coef: 0.25\n");
        assertEquals(new Sigmoid(0.1, FDivergence.alpha(0.75)), f.create());
    }

    @Test void defaults() {
        assertEquals(new Sigmoid(0.1), LossConfigs.of("").create());
        assertEquals(List.of(1.0), LossConfigs.of("").lossWeights());
        assertEquals(new ExoPair(0.1, 1e-3), LossConfigs.loss(LossType.EXO_PAIR));
        assertEquals(new Inpo(3, 0.1), LossConfigs.loss(LossType.INPO));
        assertEquals(new Egpo(0.1, false), LossConfigs.loss(LossType.EGPO));
    }

    @Test void severalLossesMakeAWeightedSum() {
        PreferenceLoss rpo = LossConfigs.of("loss_type: [sigmoid, sft]\nloss_weights: [1.0, 0.2]").create();
        assertEquals(new ReferencedSum(List.of(new Sigmoid(0.1), new Sft()), List.of(1.0, 0.2)), rpo);
        PreferenceLoss free = LossConfigs.of("loss_type: [simpo, sft]").create();
        assertEquals(new ReferenceFreeSum(List.of(new Simpo(0.1, 0.5), new Sft()), List.of(1.0, 1.0)), free);
        assertInstanceOf(ReferencedSum.class, LossConfigs.of("loss_type: hinge\nloss_weights: 2.0").create());
    }

    /** The losses check their own knobs, naming the key a user writes (ConfigErrorsTest checks the file:line added). */
    @Test void badKnobsAreErrorsNamingTheKey() {
        assertMessage("label_smoothing must be in [0, 0.5), got 0.5", "loss_type: robust\nlabel_smoothing: 0.5");
        assertMessage("exo_pair.epsilon must be in (0, 1), e.g. 1e-3, got 0.0", "loss_type: exo_pair\nexo_pair: {epsilon: 0}");
        assertMessage("beta must be a finite number > 0, got -1.0", "beta: -1");
        assertMessage("loss_weights has 1 entries but loss_type has 2 [sigmoid, sft]", "loss_type: [sigmoid, sft]\nloss_weights: [1.0]");
        assertMessage("loss_type: unpaired losses cannot be combined with others, got [kto, sigmoid]", "loss_type: [kto, sigmoid]");
        assertMessage("loss_type: pro, lipo and mpo cannot be combined with other losses, got [mpo, sft]", "loss_type: [mpo, sft]");
        assertMessage("loss_weights is [2.0], but a listwise loss (lipo) is not summed with others: its weight is 1",
                "loss_type: lipo\nloss_weights: [2.0]");
        assertMessage("pro.sft_weight must be a finite number >= 0, got -1.0", "loss_type: pro\npro: {sft_weight: -1}");
        assertMessage("f_divergence_type is set, but loss_type [ipo] does not read it (read by sigmoid)",
                "loss_type: ipo\nf_divergence_type: js_divergence");
        assertMessage("f_alpha_divergence_coef must be a finite number != 0, got 0.0",
                "f_divergence_type: alpha_divergence\nf_alpha_divergence_coef: 0");
        assertMessage("use_weighting needs per-pair losses, but aot losses are per sorted position", "loss_type: aot\nuse_weighting: true");
        assertMessage("ld_alpha must be in [0, 1], got 2.0", "ld_alpha: 2");
        assertMessage("loss_weights must be finite and >= 0, got [1.0, -0.5]", "loss_type: [sigmoid, sft]\nloss_weights: [1.0, -0.5]");
        assertMessage("loss_type: expected one of sigmoid, cdpo, robust, hinge, ipo, exo_pair, nca_pair, bco_pair, "
                + "sppo_hard, sppo, inpo, egpo, aot, aot_unpaired, apo_zero, apo_down, discopop, sigmoid_norm, dpop, rdpo, simpo, cpo, "
                + "orpo, sft, kto, apo_zero_unpaired, grpo, dr_grpo, rloo, nash_md, pro, lipo, mpo, spo; got \"dpo\"; DPO's loss is sigmoid (as in TRL)", "loss_type: dpo");
    }

    private static void assertMessage(String expected, String yaml) {
        String got = assertThrows(UserError.class, () -> LossConfigs.of(yaml)).getMessage();
        assertEquals(expected, got.replaceFirst("^test\\.yaml:\\d+: ", ""));
    }
}
