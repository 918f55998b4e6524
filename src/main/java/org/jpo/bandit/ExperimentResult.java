package org.jpo.bandit;

import java.util.List;

/** What an experiment measured: the numbers, a plot of them, and its expected results checked. */
public sealed interface ExperimentResult
        permits IpoVsDpo.Result, KlOptimum.Result, Intransitive.Result, OnlineVsOffline.Result, ApoMomentum.Result,
        GroupEstimators.Result, NashUpdates.Result {
    Experiment experiment();

    /** One line on the setup: K, rewards, reference, β, optimizer, steps. */
    String setup();

    Table table();

    LinePlot plot();

    List<Claim> claims();

    default boolean passed() { return claims().stream().allMatch(Claim::pass); }
}
