package org.jpo.loss;

import org.bytedeco.javacpp.PointerScope;
import org.jpo.loss.Fixtures.Leaves;
import org.jpo.loss.Fixtures.Pair;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.jpo.loss.Fixtures.*;
import static org.jpo.tensor.Tensors.*;
import static org.junit.jupiter.api.Assertions.*;

class SppoTest {
    @Test void softSppoWithHardProbabilitiesIsSppoHard() {
        Pair[] hard = java.util.Arrays.stream(HAND)
                .map(p -> new Pair(p.piC(), p.piR(), p.refC(), p.refR(), p.lenC(), p.lenR(), 1.0, 0.0))
                .toArray(Pair[]::new);
        assertClose(values(hard, l -> new SppoHard(BETA).apply(l.batch())),
                values(hard, l -> new Sppo(BETA).apply(l.batch())), 1e-12, "sppo(P⁺=1, P⁻=0)");
    }

    @Test void atTheTargetsTheLossIsZero() {
        // ρ⁺ = (0.7 − ½)/0.5 = 0.4, ρ⁻ = (0.3 − ½)/0.5 = −0.4
        Pair[] p = {new Pair(-1.6, -2.4, -2.0, -2.0, 3, 3, 0.7, 0.3)};
        assertClose(new double[] {0}, values(p, l -> new Sppo(BETA).apply(l.batch())), 1e-12, "sppo");
    }

    @Test void rejectsBatchesWithoutOrWithBadWinProbabilities() {
        try (PointerScope scope = new PointerScope()) {
            Leaves l = leaves(HAND, false, false);
            PairBatch none = new PairBatch(l.policy(), l.reference());
            var e = assertThrows(IllegalArgumentException.class, () -> new Sppo(BETA).apply(none));
            assertTrue(e.getMessage().contains("win probabilities"), e.getMessage());
            PairBatch bad = new PairBatch(l.policy(), l.reference(),
                    Optional.of(new PairBatch.WinProbs(doubles(new double[] {0.5, 1.5, 0.2}, 3), l.winR())));
            e = assertThrows(IllegalArgumentException.class, () -> new Sppo(BETA).apply(bad));
            assertEquals("winProbs.chosen must lie in [0, 1], got values in [0.2, 1.5]", e.getMessage());
        }
    }

    @Test void ipoFormsDifferOnlyByLengthNormalization() {
        // lengths 1: δ̄ = δ, so both forms agree; (δ − 1)² with δ = 2 is 1
        Pair[] p = {new Pair(-1.0, -3.0, -1.0, -1.0, 1, 1)};
        assertClose(new double[] {1}, values(p, l -> Ipo.normalized(BETA).apply(l.batch())), 1e-12, "ipo");
        assertClose(new double[] {1}, values(p, l -> Ipo.summed(BETA).apply(l.batch())), 1e-12, "ipo plain");
        // lengths 2 and 4: δ̄ = 0/2 − (−2)/4 = 0.5, (0.5 − 1)² = 0.25
        Pair[] q = {new Pair(-1.0, -3.0, -1.0, -1.0, 2, 4)};
        assertClose(new double[] {0.25}, values(q, l -> Ipo.normalized(BETA).apply(l.batch())), 1e-12, "ipo");
    }
}
