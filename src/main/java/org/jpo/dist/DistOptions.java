package org.jpo.dist;

import org.jpo.config.Check;
import org.jpo.config.Key;

/**
 * How the ranks of a data-parallel job (started by {@code jpo launch}, torchrun, Slurm) talk. Read only when
 * {@code WORLD_SIZE} > 1; a resumed run may change both (they change no result).
 */
public record DistOptions(
        @Key(value = "gloo", doc = "c10d backend: gloo (CPU, the one this build ships and tests) | nccl (needs a GPU build "
                + "of the libtorch preset).") Backend distBackend,
        @Key(value = "300", doc = "Seconds a rank waits for the others in any collective (joining, gradients, gathering rows) "
                + "before it stops with an error naming the phase: a dead or frozen rank ends the job, it never hangs it.")
        int distTimeoutSeconds) {
    public static final DistOptions DEFAULT = new DistOptions(Backend.GLOO, 300);

    public DistOptions {
        Check.atLeast("dist_timeout_seconds", distTimeoutSeconds, 1);
    }

    public enum Backend { GLOO, NCCL }
}
