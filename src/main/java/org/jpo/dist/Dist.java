package org.jpo.dist;

import org.jpo.UserError;

import java.time.Duration;
import java.util.Optional;

/**
 * This process's data-parallel group, joined once: {@code WORLD_SIZE} > 1 in the environment (torchrun's contract,
 * see {@link World}) makes the first {@link #join} connect to the other ranks; without it there is no group and
 * every command runs as one process, as it always did.
 */
public final class Dist {
    private static Group group;

    private Dist() {}

    /** The group of this process's world, joined on the first call; empty for a world of one. */
    public static synchronized Optional<Group> join(DistOptions o) {
        World world = World.from(System.getenv());
        if (world.single()) return Optional.empty();
        if (group != null) return Optional.of(group);
        if (o.distBackend() == DistOptions.Backend.NCCL) {
            throw new UserError("dist_backend: nccl needs a GPU build of jpo (org.bytedeco pytorch linux-x86_64-gpu with the CUDA "
                    + "presets); this build has gloo only: set dist_backend: gloo");
        }
        group = Group.join(world, Duration.ofSeconds(o.distTimeoutSeconds()));
        return Optional.of(group);
    }
}
