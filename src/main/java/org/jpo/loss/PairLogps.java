package org.jpo.loss;

/** The chosen (y⁺) and rejected (y⁻) side of B preference pairs under one policy. */
public record PairLogps(Logps chosen, Logps rejected) {
    public PairLogps {
        if (chosen.batchSize() != rejected.batchSize()) {
            throw new IllegalArgumentException("chosen has " + chosen.batchSize() + " pairs, rejected has "
                    + rejected.batchSize());
        }
    }

    public long batchSize() { return chosen.batchSize(); }
}
