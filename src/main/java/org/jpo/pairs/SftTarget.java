package org.jpo.pairs;

/** The sample of a prompt to fine-tune on ({@code best}). */
public record SftTarget(String promptId, int index) {}
