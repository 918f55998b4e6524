package org.jpo.loss;

/** A paired loss that compares the policy with a reference policy (π − r). */
public non-sealed interface ReferencedLoss extends PreferenceLoss {
    LossResult apply(PairBatch batch);
}
