package org.jpo.loss;

/** A loss on single completions labelled desirable or undesirable (KTO, unpaired APO). */
public non-sealed interface UnpairedLoss extends PreferenceLoss {
    LossResult apply(UnpairedBatch batch);
}
