package org.jpo.pairs;

import org.jpo.UserError;
import org.jpo.config.Binder;
import org.jpo.config.Key;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/** The pairs: section through the project's binder: values, defaults, range checks, and knobs the strategy does not read. */
class PairsConfigTest {
    static final Binder<PairsConfig> BINDER = new Binder<>(PairsConfig.class, "pairs", "jpo --print-defaults");

    /** The section as a block of a run config, as the loop will hold it. */
    record Run(@Key(doc = "Pairing.") PairsConfig pairs) {}

    static final Binder<Run> RUN = new Binder<>(Run.class, "run", "jpo --print-defaults");

    static PairsConfig parse(String yaml) { return BINDER.parse("t.yaml", yaml, Path.of("."), List.of()); }

    static String error(String yaml) { return assertThrows(UserError.class, () -> parse(yaml)).getMessage(); }

    @Test void bindsValuesAndDefaults() {
        assertEquals(new PairsConfig(Strategy.ALL_PAIRS, 0.5, 0.0, Optional.empty(), 1, PairsConfig.Eos.FINISHED_ONLY, 0.0), parse("strategy: all_pairs\nmin_margin: 0.5\n"));
        assertEquals(new PairsConfig(Strategy.BEST_WORST, 0.0, 0.0, Optional.empty(), 1, PairsConfig.Eos.FINISHED_ONLY, 0.0), parse(""));
        assertEquals(new PairsConfig(Strategy.LENGTH_PENALIZED, 0.0, 0.001, Optional.empty(), 1, PairsConfig.Eos.FINISHED_ONLY, 0.0),
                parse("strategy: length_penalized\nlength_penalty: 1e-3\n"));
        assertEquals(Optional.of(1.0), parse("strategy: unpaired\nthreshold: 1.0\n").threshold());
        assertEquals(Optional.of(0.5), parse("strategy: best\nthreshold: 0.5\n").threshold());
        assertEquals(Strategy.SWEET_SPOT, RUN.parse("r.yaml", "pairs:\n  strategy: sweet_spot\n", Path.of("."), List.of()).pairs().strategy());
    }

    @Test void aKnobTheStrategyDoesNotReadIsAnError() {
        assertEquals("t.yaml:2: min_margin is set, but only strategy all_pairs and tree read it (strategy is best_worst)",
                error("strategy: best_worst\nmin_margin: 0.5\n"));
        assertEquals("t.yaml:1: min_margin is set, but only strategy all_pairs and tree read it (strategy is best_worst)", error("min_margin: 0.5\n"));
        assertEquals("t.yaml:2: length_penalty is set, but only strategy length_penalized reads it (strategy is sppo)",
                error("strategy: sppo\nlength_penalty: 0.01\n"));
        assertEquals("t.yaml:2: threshold is set, but only strategy unpaired, best and best_worst read it (strategy is all_pairs)",
                error("strategy: all_pairs\nthreshold: 0.5\n"));
        String nested = assertThrows(UserError.class,
                () -> RUN.parse("r.yaml", "pairs:\n  strategy: anchored\n  min_margin: 1.0\n", Path.of("."), List.of())).getMessage();
        assertEquals("r.yaml:3: pairs.min_margin is set, but only strategy all_pairs and tree read it (strategy is anchored)", nested);
    }

    @Test void anUnreadKnobMayHoldItsDefault() {
        assertEquals(parse(""), parse("min_margin: 0.0\nlength_penalty: 0.0\nthreshold: null\n"));
    }

    @Test void badValuesNameTheKey() {
        assertEquals("t.yaml:1: unknown key 'histroy' in 'pairs'; did you mean 'history'?", error("histroy: 2\n"));
        assertEquals("t.yaml:1: history must be >= 1, got 0", error("history: 0\n"));
        assertEquals("t.yaml:2: min_margin must be a finite number >= 0, got -0.1", error("strategy: all_pairs\nmin_margin: -0.1\n"));
        assertEquals("t.yaml: length_penalty must be > 0 with strategy length_penalized (0 is best_worst)", error("strategy: length_penalized\n"));
        assertEquals("t.yaml: threshold must be set with strategy unpaired (desirable iff score >= threshold)", error("strategy: unpaired\n"));
        assertTrue(error("strategy: best_of\n").startsWith("t.yaml:1: strategy: expected one of best_worst, best_random,"), error("strategy: best_of\n"));
    }

    @Test void resolvedYamlReadsBackEqual() {
        PairsConfig c = parse("strategy: best\nthreshold: 0.75\n");
        assertEquals(c, BINDER.parse("again.yaml", BINDER.toYaml(c, "resolved"), Path.of("/"), List.of()));
        assertTrue(BINDER.defaultsYaml("defaults").contains("\nstrategy: best_worst\n"));
    }
}
