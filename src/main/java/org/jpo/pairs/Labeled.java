package org.jpo.pairs;

/** An unpaired (KTO) row: one sample labeled desirable (score >= threshold) or undesirable. */
public record Labeled(String promptId, int index, boolean desirable) {}
