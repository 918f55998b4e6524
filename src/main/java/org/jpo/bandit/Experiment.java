package org.jpo.bandit;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The bandit checks of spec/losses.md, by the name used on the command line. */
public enum Experiment {
    IPO_VS_DPO("ipo-vs-dpo"),
    KL_OPTIMUM("kl-optimum"),
    INTRANSITIVE("intransitive"),
    ONLINE_VS_OFFLINE("online-vs-offline"),
    APO_MOMENTUM("apo-momentum"),
    GROUP_ESTIMATORS("group-estimators"),
    NASH_UPDATES("nash-updates");

    private final String id;

    Experiment(String id) { this.id = id; }

    public String id() { return id; }

    /** Runs the experiment; every random stream derives from {@code seed} (see {@link org.jpo.Seeds}). */
    public ExperimentResult run(long seed) {
        return switch (this) {
            case IPO_VS_DPO -> IpoVsDpo.run();
            case KL_OPTIMUM -> KlOptimum.run(seed);
            case INTRANSITIVE -> Intransitive.run();
            case ONLINE_VS_OFFLINE -> OnlineVsOffline.run(seed);
            case APO_MOMENTUM -> ApoMomentum.run(seed);
            case GROUP_ESTIMATORS -> GroupEstimators.run();
            case NASH_UPDATES -> NashUpdates.run();
        };
    }

    /** The experiment called {@code id}, or an IllegalArgumentException listing the valid names. */
    public static Experiment byId(String id) {
        return Arrays.stream(values()).filter(e -> e.id.equals(id)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("unknown experiment '" + id + "', expected one of "
                        + Arrays.stream(values()).map(Experiment::id).collect(Collectors.joining(", "))));
    }
}
