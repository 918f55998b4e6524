package org.jpo.pairs;

/**
 * What pairing made and what it left out, for one prompt or summed over a round (so nothing is dropped silently).
 *
 * @param prompts        prompts seen
 * @param samples        samples the strategy read (the initial policy's only for {@code anchored})
 * @param missing        of those, samples with no score (left out)
 * @param pairs          pairs made
 * @param labeled        unpaired rows made
 * @param sftTargets     SFT targets made
 * @param tiesDropped    candidate pairs dropped because both scores are equal (in prompts not all tied)
 * @param belowMargin    {@code all_pairs}: pairs with 0 &lt; gap &lt;= min_margin, dropped
 * @param belowThreshold {@code best}, {@code best_worst}: prompts whose best score is below the threshold
 * @param reversed       {@code anchored}: pairs dropped because the chosen scored below the rejected
 * @param allTied        prompts with two or more scored samples, all of one score (pairwise strategies
 *                       yield nothing for them; unpaired and best still label them)
 * @param tooFew         prompts with too few scored samples for the strategy (yield nothing)
 * @param uncertain      pairs dropped because their score gap is within {@code uncertainty_k} standard deviations
 * @param grouped        {@code group}: samples kept with their advantages
 * @param lists          {@code list}: ranked lists made (one per prompt with two or more scored samples, not all tied)
 */
public record Counts(int prompts, int samples, int missing, int pairs, int labeled, int sftTargets, int tiesDropped,
                     int belowMargin, int belowThreshold, int reversed, int allTied, int tooFew, int uncertain, int grouped, int lists) {
    public static final Counts ZERO = new Counts(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /** Counts of a strategy other than {@code list}. */
    public Counts(int prompts, int samples, int missing, int pairs, int labeled, int sftTargets, int tiesDropped, int belowMargin,
                  int belowThreshold, int reversed, int allTied, int tooFew, int uncertain, int grouped) {
        this(prompts, samples, missing, pairs, labeled, sftTargets, tiesDropped, belowMargin, belowThreshold, reversed, allTied, tooFew,
                uncertain, grouped, 0);
    }

    /** Counts of a strategy other than {@code group} and {@code list}. */
    public Counts(int prompts, int samples, int missing, int pairs, int labeled, int sftTargets, int tiesDropped, int belowMargin,
                  int belowThreshold, int reversed, int allTied, int tooFew, int uncertain) {
        this(prompts, samples, missing, pairs, labeled, sftTargets, tiesDropped, belowMargin, belowThreshold, reversed, allTied, tooFew,
                uncertain, 0, 0);
    }

    public Counts plus(Counts o) {
        return new Counts(prompts + o.prompts, samples + o.samples, missing + o.missing, pairs + o.pairs, labeled + o.labeled,
                sftTargets + o.sftTargets, tiesDropped + o.tiesDropped, belowMargin + o.belowMargin,
                belowThreshold + o.belowThreshold, reversed + o.reversed, allTied + o.allTied, tooFew + o.tooFew,
                uncertain + o.uncertain, grouped + o.grouped, lists + o.lists);
    }
}
