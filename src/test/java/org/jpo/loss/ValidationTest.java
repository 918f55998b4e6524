package org.jpo.loss;

import org.jpo.config.ConfigError;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.function.DoubleFunction;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** Bad knobs fail in the record's constructor with a {@link ConfigError} naming the config key and the value. */
class ValidationTest {
    static Stream<Named<DoubleFunction<PreferenceLoss>>> lossesWithBeta() {
        return Stream.of(
                Named.of("sigmoid", Sigmoid::new), Named.of("cdpo", b -> new Cdpo(b, 0)), Named.of("robust", b -> new Robust(b, 0)),
                Named.of("hinge", Hinge::new), Named.of("ipo", Ipo::normalized), Named.of("exo_pair", b -> new ExoPair(b, 1e-3)),
                Named.of("nca_pair", NcaPair::new), Named.of("bco_pair", b -> new BcoPair(b, 0)),
                Named.of("sppo_hard", SppoHard::new), Named.of("sppo", Sppo::new), Named.of("aot", b -> new Aot(b, 0)),
                Named.of("aot_unpaired", b -> new AotUnpaired(b, 0)), Named.of("apo_zero", ApoZero::new),
                Named.of("apo_down", ApoDown::new), Named.of("discopop", b -> new Discopop(b, 0.05)),
                Named.of("sigmoid_norm", SigmoidNorm::new), Named.of("dpop", b -> new Dpop(b, 50)),
                Named.of("rdpo", b -> new Rdpo(b, 0.01)), Named.of("simpo", b -> new Simpo(b, 0.5)),
                Named.of("cpo", b -> new Cpo(b, 1)), Named.of("kto", b -> new Kto(b, 1, 1)),
                Named.of("apo_zero_unpaired", ApoZeroUnpaired::new));
    }

    @ParameterizedTest(name = "{0}") @MethodSource("lossesWithBeta")
    void betaMustBePositiveAndFinite(DoubleFunction<PreferenceLoss> make) {
        for (double bad : new double[] {0, -0.1, Double.NaN, Double.POSITIVE_INFINITY}) {
            var e = assertThrows(ConfigError.class, () -> make.apply(bad));
            assertEquals("beta must be a finite number > 0, got " + bad, e.getMessage());
            assertEquals("beta", e.key());
        }
    }

    @Test void knobsOutOfRange() {
        assertMessage("label_smoothing must be in [0, 0.5), got 0.5", () -> new Robust(0.1, 0.5));
        assertMessage("label_smoothing must be in [0, 0.5), got 0.7", () -> new Robust(0.1, 0.7));
        assertMessage("label_smoothing must be in [0, 0.5), got -0.1", () -> new Cdpo(0.1, -0.1));
        assertMessage("label_smoothing must be in [0, 0.5), got 0.5", () -> new Aot(0.1, 0.5));
        assertMessage("exo_pair.epsilon must be in (0, 1), e.g. 1e-3, got 0.0", () -> new ExoPair(0.1, 0));
        assertMessage("exo_pair.epsilon must be in (0, 1), e.g. 1e-3, got 1.0", () -> new ExoPair(0.1, 1));
        assertMessage("discopop_tau must be a finite number > 0, got 0.0", () -> new Discopop(0.1, 0));
        assertMessage("dpop.lambda must be a finite number >= 0, got -1.0", () -> new Dpop(0.1, -1));
        assertMessage("rdpo.alpha must be a finite number >= 0, got -0.5", () -> new Rdpo(0.1, -0.5));
        assertMessage("simpo.gamma must be a finite number >= 0, got -1.0", () -> new Simpo(2, -1));
        assertMessage("cpo.alpha must be a finite number >= 0, got NaN", () -> new Cpo(0.1, Double.NaN));
        assertMessage("orpo.lambda must be a finite number >= 0, got -0.1", () -> new Orpo(-0.1));
        assertMessage("desirable_weight must be a finite number >= 0, got -1.0", () -> new Kto(0.1, -1, 1));
        assertMessage("undesirable_weight must be a finite number >= 0, got -2.0", () -> new Kto(0.1, 1, -2));
    }

    @Test void boundaryValuesAreAccepted() {
        assertEquals(0.0, new Robust(0.1, 0).labelSmoothing());
        assertEquals(0.499, new Robust(0.1, 0.499).labelSmoothing());
        assertEquals(0.0, new Dpop(0.1, 0).lambda());
        assertEquals(0.0, new Orpo(0).lambda());
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable make) {
        assertEquals(expected, assertThrows(ConfigError.class, make).getMessage());
    }
}
