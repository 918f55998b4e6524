package org.jpo.train;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.jpo.UserError;
import org.jpo.dist.GradReducer;
import org.jpo.dist.Group;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;


/**
 * Training on W ranks as one process would train on their union. Each optimizer step's global batch is
 * per_device_train_batch_size × W examples of the one global order, and rank r takes its contiguous share of each
 * (sizes differ by at most one). A rank's loss is a mean over its share, so before its backward the loss is scaled by
 * its weight w_r (examples, or completion tokens for sft) over the mean weight: the ranks' averaged gradients are then
 * the gradient of the global batch's mean, as one process computes it. Metrics are combined the same way, in the one
 * small allreduce per micro-batch that also finds the weights. Gradients are averaged by one flat allreduce per
 * optimizer step (after the accumulation), parameters start as rank 0's, and the end checks they are the same on every
 * rank, bit for bit.
 *
 * <p>A world of one (no group) is today's trainer: every method returns at once.
 */
final class DataParallel {
    private final Optional<Group> group;
    /** DDP's Reducer instead of the flat allreduce (measured by jpo bench train --nproc --grad-sync reducer). */
    private Optional<GradReducer> reducer = Optional.empty();

    DataParallel(Optional<Group> group) { this.group = group; }

    /** Averages gradients with DDP's bucketed Reducer during each backward instead of one flat allreduce per step. */
    void useReducer(Map<String, Tensor> params) {
        reducer = group.map(g -> g.reducer(List.copyOf(params.values())));
    }

    /** Before a micro-batch's forward, and before its backward: the Reducer's hooks need both on every rank. */
    void beforeForward() { reducer.ifPresent(GradReducer::beforeForward); }

    void beforeBackward() { reducer.ifPresent(GradReducer::beforeBackward); }

    static final DataParallel SINGLE = new DataParallel(Optional.empty());

    int world() { return group.map(g -> g.world().size()).orElse(1); }

    int rank() { return group.map(g -> g.world().rank()).orElse(0); }

    /** Rank 0 writes output_dir; the others write nothing there. */
    boolean leader() { return rank() == 0; }

    Optional<Group> group() { return group; }

    /** This rank's contiguous share of a global batch: [r·n/W, (r+1)·n/W). */
    <E> List<E> shard(List<E> global) {
        int w = world(), r = rank(), n = global.size();
        return global.subList((int) ((long) r * n / w), (int) ((long) (r + 1) * n / w));
    }

    /** The element-wise sum over the ranks (the values themselves for one). */
    double[] sum(double[] values, String phase) {
        return group.map(g -> g.sum(values, phase)).orElse(values);
    }

    /**
     * A micro-batch's numbers over the ranks: this rank's gradient scale, the global metrics and tokens, and whether the
     * loss was not finite on any rank (then every rank stops).
     */
    record Combined(double scale, Map<String, Double> metrics, long tokens, boolean diverged) {}

    /**
     * One allreduce of [w, tokens, not finite, (w·m, w) per metric]: a metric is the w-weighted mean over the ranks that
     * have it (a NaN, a mean over nothing, counts on no rank), except the num_ counts, which add up. {@code s} is null for
     * a rank whose share is empty.
     */
    Combined combine(Objective.Step s, boolean finite, List<String> names) {
        if (group.isEmpty()) return new Combined(1, s.metrics(), s.tokens(), !finite);
        int k = names.size();
        double[] v = new double[3 + 2 * k];
        if (s != null) {
            v[0] = s.weight();
            v[1] = s.tokens();
            v[2] = finite ? 0 : 1;
            for (int i = 0; i < k; i++) {
                double m = s.metrics().getOrDefault(names.get(i), Double.NaN);
                boolean sum = names.get(i).startsWith("num_");
                if (Double.isNaN(m)) continue;
                v[3 + 2 * i] = sum ? m : s.weight() * m;
                v[4 + 2 * i] = sum ? 1 : s.weight();
            }
        }
        double[] t = sum(v, "combining the micro-batch's metrics");
        Map<String, Double> metrics = new LinkedHashMap<>();
        for (int i = 0; i < k; i++) {
            boolean sum = names.get(i).startsWith("num_");
            metrics.put(names.get(i), t[4 + 2 * i] == 0 ? Double.NaN : sum ? t[3 + 2 * i] : t[3 + 2 * i] / t[4 + 2 * i]);
        }
        double scale = s == null || t[0] == 0 ? 0 : s.weight() * world() / t[0];
        return new Combined(scale, metrics, (long) t[1], t[2] > 0);
    }

    /** The metric names of every rank's first micro-batch, in rank order (a rank with an empty share has none). */
    List<String> metricNames(List<String> mine) {
        if (group.isEmpty()) return mine;
        java.util.LinkedHashSet<String> all = new java.util.LinkedHashSet<>();
        for (byte[] b : group.get().allgather(String.join("\n", mine).getBytes(java.nio.charset.StandardCharsets.UTF_8), "agreeing on the metrics")) {
            String text = new String(b, java.nio.charset.StandardCharsets.UTF_8);
            if (!text.isEmpty()) all.addAll(List.of(text.split("\n")));
        }
        return List.copyOf(all);
    }

    /** The ranks' evaluation windows as one: sums, counts and tokens added (each rank evaluated its own batches). */
    Window sum(Window w) {
        if (group.isEmpty()) return w;
        List<String> names = metricNames(List.copyOf(w.sums.keySet()));
        double[] v = new double[2 + names.size()];
        v[0] = w.count;
        v[1] = w.tokens;
        for (int i = 0; i < names.size(); i++) v[2 + i] = w.sums.getOrDefault(names.get(i), 0.0);
        double[] t = sum(v, "combining the evaluation");
        Window out = new Window();
        out.count = (long) t[0];
        out.tokens = (long) t[1];
        for (int i = 0; i < names.size(); i++) out.sums.put(names.get(i), t[2 + i]);
        return out;
    }

    /** Every trainable parameter ← rank 0's (the ranks may have loaded, or initialized adapters, differently). */
    void broadcastParameters(Map<String, Tensor> params) {
        if (group.isEmpty()) return;
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            Tensor flat = flatten(params, false);
            group.get().broadcast(flat, 0, "broadcasting rank 0's parameters");
            unflatten(flat, params, false);
        }
    }

    /**
     * Every gradient ← the mean over the ranks, in one allreduce of all of them flattened. A parameter without a gradient on
     * this rank (its share was empty) counts as 0; one without a gradient on every rank keeps none, as in one process.
     */
    void averageGradients(Map<String, Tensor> params) {
        if (group.isEmpty() || reducer.isPresent()) return;
        List<String> names = new ArrayList<>(params.keySet());
        double[] has = new double[names.size()];
        for (int i = 0; i < has.length; i++) has[i] = params.get(names.get(i)).grad().defined() ? 1 : 0;
        double[] any = sum(has, "averaging gradients");
        Map<String, Tensor> synced = new LinkedHashMap<>();
        for (int i = 0; i < has.length; i++) if (any[i] > 0) synced.put(names.get(i), params.get(names.get(i)));
        if (synced.isEmpty()) return;
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            Tensor flat = flatten(synced, true);
            group.get().allreduceMean(flat, "averaging gradients");
            unflatten(flat, synced, true);
        }
    }

    /** Refuses to go on unless the parameters are bit-identical on every rank; returns their checksum. */
    long requireSameParameters(Map<String, Tensor> params) {
        long sum;
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            Tensor flat = flatten(params, false);
            byte[] bytes = new byte[(int) (flat.numel() * 4)];
            new org.bytedeco.javacpp.BytePointer(flat.data_ptr()).capacity(bytes.length).get(bytes);
            sum = java.util.Arrays.hashCode(bytes) * 0x9E3779B97F4A7C15L + bytes.length;
        }
        if (group.isEmpty()) return sum;
        long[] all = group.get().allgather(sum, "comparing the trained parameters");
        for (int r = 1; r < all.length; r++) {
            if (all[r] != all[0]) throw new IllegalStateException("rank " + r + "'s parameters differ from rank 0's after training");
        }
        return sum;
    }

    private static Tensor flatten(Map<String, Tensor> params, boolean grads) {
        List<Tensor> parts = new ArrayList<>();
        for (Tensor p : params.values()) {
            Tensor x = grads ? (p.grad().defined() ? p.grad() : torch.zeros_like(p)) : p;
            parts.add(x.reshape(-1).to(torch.ScalarType.Float));
        }
        return torch.cat(new TensorVector(parts.toArray(Tensor[]::new))).contiguous();
    }

    private static void unflatten(Tensor flat, Map<String, Tensor> params, boolean grads) {
        long at = 0;
        for (Tensor p : params.values()) {
            long n = p.numel();
            Tensor part = flat.narrow(0, at, n).view(p.sizes().vec().get()).to(p.scalar_type());
            if (!grads) p.copy_(part);
            else if (p.grad().defined()) p.grad().copy_(part);
            else p.mutable_grad().put(part.clone());
            at += n;
        }
        if (at != flat.numel()) throw new UserError("parameters and their flat copy differ in size");
    }
}
