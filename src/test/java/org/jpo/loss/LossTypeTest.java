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
        PreferenceLoss loss = LossConfig.builder().loss(t).beta(0.3).build().create();
        assertEquals(t.key, loss.name());
        assertEquals(t, LossType.parse(t.key));
        Class<?> expected = switch (t.kind) {
            case REFERENCED -> ReferencedLoss.class;
            case REFERENCE_FREE -> ReferenceFreeLoss.class;
            case UNPAIRED -> UnpairedLoss.class;
        };
        assertInstanceOf(expected, loss);
        assertTrue(t.paper.contains("arXiv:" + t.arxiv), t.paper);
        assertTrue(t.arxiv.matches("\\d{4}\\.\\d{5}"), t.arxiv);
    }

    @Test void knobsReachTheLosses() {
        LossConfig c = LossConfig.builder().loss(LossType.ROBUST).beta(0.2).labelSmoothing(0.1).epsilon(0.01)
                .ipoPlain(true).discopopTau(0.2).dpopLambda(3).rdpoAlpha(0.4).simpoGamma(1.5).cpoAlpha(0.6)
                .orpoLambda(0.7).desirableWeight(1.3).undesirableWeight(0.9).build();
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
        assertEquals(new Kto(0.2, 1.3, 0.9), LossType.KTO.create(c));
        LossConfig f = LossConfig.builder().fDivergenceType(FDivergence.Type.ALPHA_DIVERGENCE).fDivergenceAlpha(0.3).build();
        assertEquals(new Sigmoid(0.1, FDivergence.alpha(0.3)), f.create());
    }

    @Test void defaults() {
        assertEquals(new Sigmoid(0.1), LossConfig.DEFAULT.create());
        assertEquals(List.of(1.0), LossConfig.DEFAULT.weights());
        assertEquals(new ExoPair(0.1, 1e-3), LossConfig.builder().loss(LossType.EXO_PAIR).build().create());
    }

    @Test void severalLossesMakeAWeightedSum() {
        PreferenceLoss rpo = LossConfig.builder().loss(LossType.SIGMOID, LossType.SFT).weights(1.0, 0.2).build().create();
        assertEquals(new ReferencedSum(List.of(new Sigmoid(0.1), new Sft()), List.of(1.0, 0.2)), rpo);
        PreferenceLoss free = LossConfig.builder().loss(LossType.SIMPO, LossType.SFT).build().create();
        assertEquals(new ReferenceFreeSum(List.of(new Simpo(0.1, 0.5), new Sft()), List.of(1.0, 1.0)), free);
        PreferenceLoss scaled = LossConfig.builder().loss(LossType.HINGE).weights(2.0).build().create();
        assertInstanceOf(ReferencedSum.class, scaled);
    }

    @Test void badSettingsAreUserErrorsNamingTheField() {
        assertMessage("unknown loss 'dpo'; expected one of: sigmoid, cdpo, robust, hinge, ipo, exo_pair, nca_pair, bco_pair, "
                + "sppo_hard, sppo, aot, aot_unpaired, apo_zero, apo_down, discopop, sigmoid_norm, dpop, rdpo, simpo, cpo, "
                + "orpo, sft, kto, apo_zero_unpaired", () -> LossType.parse("dpo"));
        assertMessage("loss settings: robust: label_smoothing must be in [0.0, 0.5), got 0.5",
                () -> LossConfig.builder().loss(LossType.ROBUST).labelSmoothing(0.5).build());
        assertMessage("loss settings: exo_pair: epsilon must be in (0, 1), e.g. 1e-3, got 0.0",
                () -> LossConfig.builder().loss(LossType.EXO_PAIR).epsilon(0).build());
        assertMessage("loss config: beta must be a finite number > 0, got 0.0", () -> LossConfig.builder().beta(0).build());
        assertMessage("loss config: beta must be a finite number > 0, got -1.0", () -> LossConfig.builder().beta(-1).build());
        assertMessage("loss config: weights has 1 entries but loss has 2 [sigmoid, sft]",
                () -> LossConfig.builder().loss(LossType.SIGMOID, LossType.SFT).weights(1.0).build());
        assertMessage("loss config: unpaired losses cannot be combined with others, got [kto, sigmoid]",
                () -> LossConfig.builder().loss(LossType.KTO, LossType.SIGMOID).build());
        assertMessage("loss config: f_divergence_type js_divergence applies to the sigmoid loss only, got [ipo]",
                () -> LossConfig.builder().loss(LossType.IPO).fDivergenceType(FDivergence.Type.JS_DIVERGENCE).build());
        assertMessage("loss settings: alpha_divergence: f_divergence_alpha must be finite and != 1 (α = 1 is reverse_kl), got 1.0",
                () -> LossConfig.builder().fDivergenceType(FDivergence.Type.ALPHA_DIVERGENCE).fDivergenceAlpha(1).build());
        assertMessage("loss config: use_weighting needs per-pair losses, but aot losses are per sorted position",
                () -> LossConfig.builder().loss(LossType.AOT).useWeighting(true).build());
        assertMessage("loss config: ld_alpha must be in [0, 1], got 2.0", () -> LossConfig.builder().ldAlpha(2).build());
        assertMessage("loss settings: weights must be finite and >= 0, got [1.0, -0.5]",
                () -> LossConfig.builder().loss(LossType.SIGMOID, LossType.SFT).weights(1.0, -0.5).build());
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable e) {
        assertEquals(expected, assertThrows(UserError.class, e).getMessage());
    }
}
