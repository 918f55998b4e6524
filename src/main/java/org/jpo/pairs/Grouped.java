package org.jpo.pairs;

/**
 * A sample of a group ({@code group}): its score, its group-relative advantage and the numbers of its group.
 *
 * @param advantage the estimator's A_i ({@link Advantages.Kind})
 * @param groupSize G, the group's scored samples
 * @param groupMean the mean of the group's scores
 * @param groupStd  their unbiased standard deviation (divide by G − 1, torch's default)
 */
public record Grouped(String promptId, int index, double score, double advantage, int groupSize, double groupMean, double groupStd) {}
