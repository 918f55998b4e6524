package org.jpo.loss;

/**
 * The DPO family. The three kinds differ in what they read, so they are different types:
 * {@link ReferencedLoss} needs reference log-probs, {@link ReferenceFreeLoss} does not, and
 * {@link UnpairedLoss} reads single completions labelled desirable or not, and {@link GroupLoss} (GRPO, Dr. GRPO,
 * RLOO) reads per-token log-probs of sampled completions with their group-relative advantages, and {@link ListLoss} (PRO,
 * LiPO-λ, MPO) reads a prompt's ranked list of completions.
 */
public sealed interface PreferenceLoss permits ReferencedLoss, ReferenceFreeLoss, UnpairedLoss, GroupLoss, ListLoss {
    /** The name users write in configs and on the command line, e.g. {@code sigmoid}. */
    String name();
}
