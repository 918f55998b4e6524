package org.jpo.dist;

import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.AllreduceOptions;
import org.bytedeco.pytorch.BroadcastOptions;
import org.bytedeco.pytorch.GlooDeviceVector;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.ReduceOp;
import org.bytedeco.pytorch.Store;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.jpo.UserError;
import org.jpo.tensor.Natives;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;

/**
 * The ranks of a {@link World} joined in one Gloo process group of PyTorch's c10d (the engine under torchrun and
 * DDP): rank 0 hosts the TCPStore at MASTER_ADDR:MASTER_PORT, every rank connects to it. Every collective has the
 * group's timeout; a peer that dies or never comes is an error on every rank (a {@link UserError} naming this rank,
 * the phase and the cause), never a hang (research/c10d-gloo: a killed peer is seen within 0.2–0.5 s, a frozen one
 * after the timeout).
 */
public final class Group {
    /**
     * The stores made here, kept reachable for the life of the process: the first C++ object that takes a Java-built
     * store owns it, and a second taker aborts the JVM, so groups get clones and the originals stay here.
     */
    private static final java.util.List<Store> STORES = new java.util.ArrayList<>();

    private final World world;
    private final ProcessGroupGloo gloo;
    private final Duration timeout;

    private Group(World world, ProcessGroupGloo gloo, Duration timeout) {
        this.world = world;
        this.gloo = gloo;
        this.timeout = timeout;
    }

    /** Joins the group of {@code world} (its ranks must all call this); refused after {@code timeout}, naming what waited. */
    public static synchronized Group join(World world, Duration timeout) {
        if (world.single()) throw new IllegalArgumentException("a world of one process needs no group");
        Natives.load();   // extracts every native before the first c10d class loads
        long ms = timeout.toMillis();
        try {
            TCPStoreOptions so = new TCPStoreOptions();
            so.port((short) world.masterPort());
            so.isServer(world.leader());
            so.timeout(new Milliseconds(ms));
            TCPStore raw = new TCPStore(world.masterAddr(), so);
            STORES.add(raw);
            ProcessGroupGloo.Options o = ProcessGroupGloo.Options.create();
            o.devices(new GlooDeviceVector(loopback(world.masterAddr()) ? ProcessGroupGloo.createDeviceForHostname("127.0.0.1")
                    : ProcessGroupGloo.createDefaultDevice()));   // on a cluster: the interface this host's name resolves to
            o.timeout(new Milliseconds(ms));
            return new Group(world, new ProcessGroupGloo(raw.clone(), world.rank(), world.size(), o), timeout);
        } catch (RuntimeException e) {
            throw failed(world, "joining the group at " + world.masterAddr() + ":" + world.masterPort(), timeout, e);
        }
    }

    public World world() { return world; }

    /** {@code t} (one contiguous tensor) ← the mean of every rank's {@code t}. */
    public void allreduceMean(Tensor t, String phase) {
        try {
            gloo.allreduce(new TensorVector(t), new AllreduceOptions().reduceOp(new ReduceOp(ReduceOp.RedOpType.AVG)))._wait();
        } catch (RuntimeException e) {
            throw failed(world, phase, timeout, e);
        }
    }

    /** {@code t} ← rank {@code root}'s {@code t}. */
    public void broadcast(Tensor t, int root, String phase) {
        try {
            gloo.broadcast(new TensorVector(t), new BroadcastOptions().rootRank(root))._wait();
        } catch (RuntimeException e) {
            throw failed(world, phase, timeout, e);
        }
    }

    /**
     * One line for every rank: which rank saw it, in which phase, and c10d's own first line (a reset connection
     * when a peer died, a timeout when one froze or never came).
     */
    static UserError failed(World world, String phase, Duration timeout, RuntimeException e) {
        String cause = String.valueOf(e.getMessage()).lines().findFirst().orElse("").strip();
        return new UserError("rank " + world.rank() + " of " + world.size() + ": " + phase + " failed: a peer died or did not answer within "
                + timeout.toSeconds() + " s (dist_timeout_seconds): " + cause, e);
    }

    private static boolean loopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new UserError("MASTER_ADDR " + host + " does not resolve: " + e.getMessage());
        }
    }
}
