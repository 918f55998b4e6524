package org.jpo.pairs;

/**
 * How a prompt's scored samples become training rows; {@link PairBuilder#build} is the one switch over it. In
 * every strategy a missing score leaves its sample out, ties between "best" or "worst" samples go to the lowest
 * sample index, a pair whose two scores are equal is dropped, and a prompt whose scored samples all tie yields
 * nothing (each counted in {@link Counts}).
 */
public enum Strategy {
    /**
     * chosen = the highest score, rejected = the lowest (Self-Rewarding LMs arXiv:2401.10020; RLHFlow's online
     * iterative DPO arXiv:2405.07863). With {@code threshold} set, a prompt whose best sample scores below it yields
     * nothing (counted as below the threshold): ScPO's vote threshold (arXiv:2411.04109) when the scores are
     * {@code self_consistency}'s vote shares.
     */
    BEST_WORST,
    /**
     * chosen = the highest score, rejected uniform among the samples with a strictly lower score, drawn from the
     * stream {@code Seeds.stream(seed, "pairs/best_random", round, Seeds.fingerprint(promptId))}, so a prompt's
     * pair depends only on (seed, round, prompt id). A baseline for rejected-sample selection (no single source).
     */
    BEST_RANDOM,
    /**
     * chosen = the highest score, rejected = a sample with the second-highest distinct score (the hardest
     * negative; a baseline, no single source).
     */
    BEST_SECOND,
    /**
     * chosen = the highest score, rejected = the sample (of those scoring strictly lower) whose score is nearest
     * μ − 2σ, with μ the mean and σ the population standard deviation (divide by n) of the prompt's scores;
     * equidistant samples go to the lower index ("Finding the Sweet Spot", arXiv:2502.16825).
     */
    SWEET_SPOT,
    /**
     * Every pair (i, j) with s_i − s_j &gt; {@code min_margin} (strictly: min_margin 0 keeps every strict preference,
     * and a gap equal to min_margin is dropped and counted as below the margin), chosen = i.
     */
    ALL_PAIRS,
    /**
     * Scores s − λ·tokens ({@code length_penalty} λ), then best vs worst of those; ties, all-tied and margins are
     * of the penalized scores (RLHFlow Online-RLHF's {@code max_min_p}, arXiv:2405.07863).
     */
    LENGTH_PENALIZED,
    /**
     * Best vs worst, with each sample's win probability w_i = mean over the other samples j of σ(s_i − s_j)
     * (P(i ≻ j) as Bradley–Terry on the scores; SPPO's {@code compute_prob}, arXiv:2405.00675) set on the pair
     * for the {@code sppo} losses.
     */
    SPPO,
    /**
     * Every pair {i, j} of a prompt's scored samples that the pairwise scorer compared (feedback must list one: its
     * {@code win_probs}), with P(i ≻ j) on the row ({@code preference}); the preferred sample is chosen (a tie goes to the
     * lower index, and is kept: P = ½ is a label too) and the margin is 2P − 1. The rows of inpo and egpo: pairs y, y′ of
     * the policy's samples with the preference oracle's probability, so their losses take the expectation over its label
     * (INPO arXiv:2407.00617, EGPO arXiv:2503.08942). Pairs the scorer did not compare (max_pairs, failed verdicts) are
     * not rows.
     */
    ROUND_ROBIN,
    /**
     * chosen = the best of the current policy's samples, rejected = the worst of the initial policy's samples for
     * the same prompt (arXiv:2508.06026); a pair whose chosen scores below its rejected is dropped and counted as
     * reversed. Only this strategy reads {@link Sample#initial()} samples.
     */
    ANCHORED,
    /** KTO rows (arXiv:2402.01306): every scored sample, desirable iff score &gt;= {@code threshold}. */
    UNPAIRED,
    /**
     * SFT on the best sample of each prompt, kept only if its score &gt;= {@code threshold} when one is set
     * (rejection-sampling fine-tuning arXiv:2308.01825, RAFT arXiv:2304.06767, ReST-EM arXiv:2312.06585).
     */
    BEST,
    /**
     * Step-level pairs from {@code sampling.tree}'s search trees, which only this strategy reads ({@link TreePairs}):
     * at each expanded node the highest-Q child step is chosen and the lowest-Q one rejected, after the prompt and the
     * node's prefix of steps, kept when the Q gap is &gt; 0 and ≥ {@code min_margin} (MCTS-DPO arXiv:2405.00451).
     */
    TREE,
    /**
     * Every scored sample of a prompt, with its group-relative advantage ({@link Advantages}; the estimator is the
     * round's loss_type's: grpo, dr_grpo or rloo; for nash_md each policy sample's P(y ≻ y′) − ½ against its opponent
     * from the mixture, {@link Opponents}, which is no row) and its group's size, mean and std, for the group methods. A prompt
     * with fewer than two scored samples yields nothing (counted as too few); an all-tied group is kept (its advantages
     * are 0; it is counted as all tied).
     */
    GROUP,
    /**
     * Every scored sample of a prompt as one ranked list ({@link Ranked}, best first), for the listwise losses pro, lipo
     * and mpo: ties stay ties (equal scores, never ordered by the losses). A prompt with fewer than two scored samples
     * yields nothing (counted as too few), nor does one whose scored samples all tie (counted as all tied): no loss
     * would order anything in it.
     */
    LIST
}
