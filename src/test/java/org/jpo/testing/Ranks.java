package org.jpo.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.jpo.ChildJpo;
import org.jpo.dist.World;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The ranks of a data-parallel jpo command, each its own JVM with torchrun's environment (as jpo launch, torchrun or
 * Slurm start them) and one thread, writing {@code dir/rank-R.log}.
 */
public final class Ranks {
    public final List<Process> processes = new ArrayList<>();
    private final Path dir;

    private Ranks(Path dir) { this.dir = dir; }

    /** Starts {@code ranks} (a subset of 0..world-1) of {@code jpo args}, reference log-probs cached in {@code dir/cache}. */
    public static Ranks start(Path dir, int world, int port, List<Integer> ranks, String... args) {
        Ranks r = new Ranks(dir);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (int rank : ranks) {
            // jpo as jpo launch starts a rank: with $JPO_CHILD_JAVA_OPTIONS, which the pom sets to C1 and the serial collector
            List<String> cmd = ChildJpo.sameJvm(1).command(List.of(args));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(r.log(rank).toFile());
            pb.environment().putAll(Map.of("RANK", "" + rank, "WORLD_SIZE", "" + world, "LOCAL_RANK", "" + rank, "LOCAL_WORLD_SIZE", "" + world,
                    "MASTER_ADDR", "127.0.0.1", "MASTER_PORT", "" + port, "JPO_CACHE_DIR", dir.resolve("cache").toString(),
                    "OMP_WAIT_POLICY", "PASSIVE"));
            try {
                r.processes.add(pb.start());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return r;
    }

    /** Every rank of a world of {@code world} on a free port. */
    public static Ranks start(Path dir, int world, String... args) {
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < world; i++) all.add(i);
        return start(dir, world, World.freePort(), all, args);
    }

    /** Each started rank's exit code, in order, after at most {@code seconds} (then the test fails with the logs). */
    public List<Integer> exits(int seconds) {
        List<Integer> out = new ArrayList<>();
        try {
            long deadline = System.nanoTime() + seconds * 1_000_000_000L;
            for (Process p : processes) {
                if (!p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    processes.forEach(Process::destroyForcibly);
                    fail("a rank hung past " + seconds + " s; logs:\n" + logs());
                }
                out.add(p.exitValue());
            }
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    public Path log(int rank) { return dir.resolve("rank-" + rank + ".log"); }

    public String log0() { return read(log(0)); }

    public String logs() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < processes.size(); i++) sb.append("--- rank ").append(i).append('\n').append(read(log(i)));
        return sb.toString();
    }

    private static String read(Path f) {
        try {
            return Files.exists(f) ? Files.readString(f) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
