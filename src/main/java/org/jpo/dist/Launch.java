package org.jpo.dist;

import org.jpo.ChildJpo;
import org.jpo.UserError;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code jpo launch}: this node's ranks of a data-parallel job, each a jpo process with torchrun's environment contract
 * (read back by {@link World}), its output lines prefixed with {@code [rank R] }. The first rank to fail stops the others
 * and gives the launch its exit code, as torchrun does.
 *
 * @param procsPerNode ranks on each node (torchrun's {@code --nproc-per-node})
 * @param nodes        nodes in the job ({@code --nnodes})
 * @param nodeRank     this node's place among them, in [0, nodes) ({@code --node-rank})
 * @param masterAddr   the host of rank 0, where every rank meets ({@code --master-addr})
 * @param masterPort   the port rank 0 listens on ({@code --master-port})
 */
public record Launch(int procsPerNode, int nodes, int nodeRank, String masterAddr, int masterPort) {
    /** How long a stopped rank has to end before it is killed. */
    private static final long GRACE_MS = 5_000;

    public Launch {
        if (procsPerNode < 1) throw new UserError("--nproc-per-node must be >= 1, got " + procsPerNode);
        if (nodes < 1) throw new UserError("--nnodes must be >= 1, got " + nodes);
        if (nodeRank < 0 || nodeRank >= nodes) throw new UserError("--node-rank must be in [0, --nnodes) = [0, " + nodes + "), got " + nodeRank);
        if (masterAddr == null || masterAddr.isBlank()) throw new UserError("--master-addr must name a host, got \"" + masterAddr + "\"");
        if (masterPort < 1 || masterPort > 65535) throw new UserError("--master-port must be a port in [1, 65535], got " + masterPort);
    }

    /** The global rank of local rank {@code local}. */
    int rank(int local) { return nodeRank * procsPerNode + local; }

    /** What local rank {@code local} is told, on top of this process's environment. */
    Map<String, String> env(int local) {
        return Map.of("RANK", "" + rank(local), "WORLD_SIZE", "" + nodes * procsPerNode, "LOCAL_RANK", "" + local,
                "LOCAL_WORLD_SIZE", "" + procsPerNode, "MASTER_ADDR", masterAddr, "MASTER_PORT", "" + masterPort,
                "JPO_EXIT_WITH_PARENT", "1");   // the rank watches its stdin, which this process holds: a killed launch takes it along
    }

    /**
     * Runs {@code args} as every local rank and waits: 0 when all exit 0, else the first non-zero exit code, after
     * stopping the other ranks and printing one {@code error:} line to {@code err}.
     */
    public int run(ChildJpo jpo, List<String> args, PrintStream out, PrintStream err) {
        List<Process> ranks = new CopyOnWriteArrayList<>();   // the shutdown hook reads it
        List<Thread> pumps = new CopyOnWriteArrayList<>();
        Object lock = new Object();   // one writer at a time: lines stay whole
        BlockingQueue<Integer> ended = new LinkedBlockingQueue<>();   // local ranks, as they exit
        AtomicBoolean exiting = new AtomicBoolean();
        Thread stop = new Thread(() -> {   // SIGINT, SIGTERM: the ranks end with this process, their last lines (how to resume) shown
            exiting.set(true);
            stop(ranks);
            join(pumps);
        }, "launch-stop");
        Runtime.getRuntime().addShutdownHook(stop);
        try {
            for (int local = 0; local < procsPerNode; local++) {
                Process p = start(jpo.command(args), env(local));
                ranks.add(p);
                String prefix = "[rank " + rank(local) + "] ";
                pumps.add(pump(p.getInputStream(), prefix, out, lock));
                pumps.add(pump(p.getErrorStream(), prefix, err, lock));
                int l = local;
                p.onExit().thenRun(() -> ended.add(l));
            }
            for (int i = 0; i < procsPerNode; i++) {
                int local = ended.take();
                int code = ranks.get(local).exitValue();
                if (code == 0) continue;
                stop(ranks);
                join(pumps);
                if (exiting.get()) return code;   // stopped by a signal, not failed
                err.println("error: rank " + rank(local) + " exited with code " + code + "; stopped the other ranks");
                return code;
            }
            join(pumps);
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserError("interrupted");
        } finally {
            stop(ranks);
            try {
                Runtime.getRuntime().removeShutdownHook(stop);
            } catch (IllegalStateException e) {
                // the JVM is exiting: the hook stops the ranks
            }
        }
    }

    private static Process start(List<String> cmd, Map<String, String> env) {
        ProcessBuilder pb = new ProcessBuilder(cmd);   // stdin stays a pipe this process holds
        pb.environment().putAll(env);
        try {
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + cmd.get(0) + ": " + e.getMessage(), e);
        }
    }

    /**
     * Copies {@code in} to {@code to} line by line, each whole line after {@code prefix}, under one {@code lock} shared by
     * every rank's stdout and stderr (a terminal shows both). Lines split on \n only: a progress bar's \r redraws pass
     * through inside its line.
     */
    private static Thread pump(InputStream in, String prefix, PrintStream to, Object lock) {
        byte[] head = prefix.getBytes(StandardCharsets.UTF_8);
        Thread t = new Thread(() -> {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            try (in) {
                for (int b; (b = in.read()) != -1; ) {
                    line.write(b);
                    if (b == '\n') emit(head, line, to, lock);
                }
            } catch (IOException e) {
                // the rank was killed: what it wrote is out
            }
            if (line.size() > 0) {   // a last line without \n
                line.write('\n');
                emit(head, line, to, lock);
            }
        }, "launch-" + prefix.strip());
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void emit(byte[] head, ByteArrayOutputStream line, PrintStream to, Object lock) {
        synchronized (lock) {
            to.write(head, 0, head.length);
            to.write(line.toByteArray(), 0, line.size());
            to.flush();
        }
        line.reset();
    }

    /**
     * Asks every rank still running to end (SIGTERM), then kills what is left after {@link #GRACE_MS}, and waits. Through
     * the process handle: Process.destroy() also closes the pipes, and the rank's last lines (how to resume) would be lost.
     */
    private static void stop(List<Process> ranks) {
        List<Process> alive = ranks.stream().filter(Process::isAlive).toList();
        alive.forEach(p -> p.toHandle().destroy());
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(GRACE_MS);
        for (Process p : alive) {
            try {
                if (!p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    p.toHandle().destroyForcibly();
                    p.waitFor();
                }
            } catch (InterruptedException e) {
                p.toHandle().destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Waits for the ranks' last lines (a grandchild holding a pipe open is not waited for). */
    private static void join(List<Thread> pumps) {
        try {
            for (Thread t : pumps) t.join(GRACE_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
