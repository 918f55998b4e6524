package org.jpo.dist;

import org.jpo.UserError;

import java.util.Map;

/**
 * Where this process sits among the ranks of a data-parallel job, read from torchrun's environment contract
 * ({@code RANK}, {@code WORLD_SIZE}, {@code LOCAL_RANK}, {@code LOCAL_WORLD_SIZE}, {@code MASTER_ADDR},
 * {@code MASTER_PORT}), so torchrun-style launchers, Slurm and Kubernetes jobs start jpo unchanged. No
 * {@code WORLD_SIZE} (or 1) is one process: today's behaviour.
 */
public record World(int rank, int size, int localRank, int localSize, String masterAddr, int masterPort) {
    public static final World SINGLE = new World(0, 1, 0, 1, "127.0.0.1", 0);

    public World {
        if (size < 1) throw new UserError("WORLD_SIZE must be >= 1, got " + size);
        if (rank < 0 || rank >= size) throw new UserError("RANK must be in [0, WORLD_SIZE) = [0, " + size + "), got " + rank);
        if (localSize < 1 || localRank < 0 || localRank >= localSize) {
            throw new UserError("LOCAL_RANK must be in [0, LOCAL_WORLD_SIZE) = [0, " + localSize + "), got " + localRank);
        }
        if (size > 1 && (masterPort < 1 || masterPort > 65535)) throw new UserError("MASTER_PORT must be a port in [1, 65535], got " + masterPort);
    }

    /** The process's place from {@code env} (System.getenv() in production). */
    public static World from(Map<String, String> env) {
        if (!env.containsKey("WORLD_SIZE")) return SINGLE;
        int size = number(env, "WORLD_SIZE", null);
        if (size == 1) return SINGLE;
        int rank = number(env, "RANK", null);
        int localSize = number(env, "LOCAL_WORLD_SIZE", size);
        int localRank = number(env, "LOCAL_RANK", rank % localSize);
        String addr = env.get("MASTER_ADDR");
        if (addr == null || addr.isBlank()) throw new UserError("WORLD_SIZE is " + size + " but MASTER_ADDR is not set (rank 0's host)");
        return new World(rank, size, localRank, localSize, addr, number(env, "MASTER_PORT", null));
    }

    public boolean single() { return size == 1; }

    /** A port free on this machine now, for a MASTER_PORT of ranks started here (the bench's, the tests'). */
    public static int freePort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public boolean leader() { return rank == 0; }

    private static int number(Map<String, String> env, String name, Integer otherwise) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            if (otherwise != null) return otherwise;
            throw new UserError(name + " is not set; a data-parallel job sets RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT (jpo launch does)");
        }
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw new UserError(name + " must be an integer, got \"" + v + "\"");
        }
    }
}
