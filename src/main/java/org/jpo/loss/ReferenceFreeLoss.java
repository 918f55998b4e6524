package org.jpo.loss;

/** A paired loss of the policy alone (SimPO, CPO, ORPO, SFT). */
public non-sealed interface ReferenceFreeLoss extends PreferenceLoss {
    LossResult apply(PairLogps policy);
}
