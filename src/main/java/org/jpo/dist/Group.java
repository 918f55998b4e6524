package org.jpo.dist;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
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
import org.bytedeco.pytorch.global.torch;
import org.jpo.UserError;
import org.jpo.tensor.Natives;
import org.jpo.tensor.Tensors;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

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
    private final Store store;
    private final Duration timeout;

    private Group(World world, ProcessGroupGloo gloo, Store store, Duration timeout) {
        this.world = world;
        this.gloo = gloo;
        this.store = store;
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
            Store store = raw.clone();   // an intrusive_ptr handle: it may be passed to any number of groups
            return new Group(world, new ProcessGroupGloo(store, world.rank(), world.size(), o), store, timeout);
        } catch (RuntimeException e) {
            throw failed(world, "joining the group at " + world.masterAddr() + ":" + world.masterPort(), timeout, e);
        }
    }

    public World world() { return world; }

    /** DDP's Reducer over {@code params} on this group (see {@link GradReducer}). */
    public GradReducer reducer(List<Tensor> params) {
        org.bytedeco.pytorch.ProcessGroup pg = new org.bytedeco.pytorch.ProcessGroup(store, world.rank(), world.size());
        pg.setBackend(torch.DeviceType.CPU, org.bytedeco.pytorch.ProcessGroup.BackendType.GLOO, new org.bytedeco.pytorch.BackendOptional(gloo));
        pg.setDefaultBackend(org.bytedeco.pytorch.ProcessGroup.BackendType.GLOO);
        return new GradReducer(pg, params);
    }

    /** {@code t} (one contiguous tensor) ← the mean of every rank's {@code t}. */
    public void allreduceMean(Tensor t, String phase) {
        try {
            gloo.allreduce(new TensorVector(t), new AllreduceOptions().reduceOp(new ReduceOp(ReduceOp.RedOpType.AVG)))._wait();
        } catch (RuntimeException e) {
            throw failed(world, phase, timeout, e);
        }
    }

    /** {@code t} (one contiguous tensor) ← the sum of every rank's {@code t}. */
    public void allreduceSum(Tensor t, String phase) {
        try {
            gloo.allreduce(new TensorVector(t), new AllreduceOptions().reduceOp(new ReduceOp(ReduceOp.RedOpType.SUM)))._wait();
        } catch (RuntimeException e) {
            throw failed(world, phase, timeout, e);
        }
    }

    /** The element-wise sum of every rank's {@code values} (float64). */
    public double[] sum(double[] values, String phase) {
        try (PointerScope scope = new PointerScope()) {
            Tensor t = Tensors.doubles(values, values.length);
            allreduceSum(t, phase);
            return Tensors.toDoubles(t);
        }
    }

    /** Waits until every rank has reached this call (one small allreduce). */
    public void barrier(String phase) { sum(new double[] {0}, phase); }

    /** Every rank's {@code value}, by rank (int64, so no bit is lost). */
    public long[] allgather(long value, String phase) {
        long[] mine = new long[world.size()];
        mine[world.rank()] = value;
        try (PointerScope scope = new PointerScope()) {
            Tensor t = Tensors.longs(mine, mine.length);
            allreduceSum(t, phase);
            return Tensors.toLongs(t);
        }
    }

    /**
     * Every rank's {@code bytes}, by rank: the lengths, then one buffer in which each rank fills its own span (the others
     * are zero, so the sum is the concatenation). Through Gloo, so a dead peer is seen at once, as in any collective.
     */
    public List<byte[]> allgather(byte[] bytes, String phase) {
        long[] lengths = allgather((long) bytes.length, phase);
        long total = 0, offset = 0;
        for (int r = 0; r < lengths.length; r++) {
            if (r == world.rank()) offset = total;
            total += lengths[r];
        }
        List<byte[]> out = new ArrayList<>();
        try (PointerScope scope = new PointerScope()) {
            Tensor t = torch.zeros(new long[] {Math.max(1, total)}, Tensors.options(torch.ScalarType.Byte));
            if (bytes.length > 0) new BytePointer(t.data_ptr()).position(offset).put(bytes, 0, bytes.length);
            allreduceSum(t, phase);
            BytePointer all = new BytePointer(t.data_ptr());
            long at = 0;
            for (long n : lengths) {
                byte[] b = new byte[(int) n];
                all.position(at).get(b);
                out.add(b);
                at += n;
            }
        }
        return out;
    }

    /**
     * Refuses to go on unless every rank holds the same {@code text} (a resolved config): each rank's SHA-256 prefix is
     * gathered, and every rank names the ones that differ from rank 0's.
     */
    public void requireSame(String what, String text, String phase) {
        long mine = java.nio.ByteBuffer.wrap(sha256(text)).getLong();
        long[] all = allgather(mine, phase);
        List<Integer> differ = new ArrayList<>();
        for (int r = 1; r < all.length; r++) if (all[r] != all[0]) differ.add(r);
        if (!differ.isEmpty()) {
            throw new UserError("rank " + world.rank() + " of " + world.size() + ": " + what + " of rank" + (differ.size() > 1 ? "s " : " ")
                    + differ.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(", "))
                    + " differs from rank 0's; every rank must start with the same config and files");
        }
    }

    private static byte[] sha256(String text) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
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
        String cause = String.valueOf(e.getMessage()).lines().findFirst().orElse("").strip()
                .replaceFirst("^\\[[^\\]]*\\.(cc|cpp|h):\\d+\\] ", "");   // the source line of libtorch's build machine says nothing here
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
