package org.jpo.dist;

import org.bytedeco.pytorch.BoolVector;
import org.bytedeco.pytorch.ProcessGroup;
import org.bytedeco.pytorch.Reducer;
import org.bytedeco.pytorch.SizeTStringMap;
import org.bytedeco.pytorch.SizeTVector;
import org.bytedeco.pytorch.SizeTVectorVector;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * DDP's C++ {@code Reducer} over a model's parameters: its autograd hooks allreduce the gradients bucket by bucket
 * (25 MB, last layers first, as DDP) while the backward is still running, and leave their mean in {@code .grad}. Every
 * rank calls {@link #beforeForward} and {@link #beforeBackward} around each micro-batch (without the second it does
 * nothing, silently), and every backward syncs: there is no accumulation without a sync.
 */
public final class GradReducer implements AutoCloseable {
    static final long BUCKET_BYTES = 25L << 20;

    private final Reducer reducer;
    private final ProcessGroup pg;   // kept reachable while the reducer lives

    GradReducer(ProcessGroup pg, List<Tensor> params) {
        this.pg = pg;
        TensorVector ps = new TensorVector(params.toArray(Tensor[]::new));
        SizeTVector[] buckets = torch.compute_bucket_assignment_by_size(ps, new SizeTVector(1L << 20, BUCKET_BYTES)).get0().get();
        Collections.reverse(Arrays.asList(buckets));   // gradients arrive last layer first
        SizeTStringMap names = new SizeTStringMap();
        for (int i = 0; i < params.size(); i++) names.put(i, "p" + i);
        this.reducer = new Reducer(ps, new SizeTVectorVector(buckets), pg, new BoolVector(new boolean[params.size()]), BUCKET_BYTES,
                false, false, names, BUCKET_BYTES, false, false);
    }

    public void beforeForward() {
        reducer.prepare_for_forward();
        reducer.rebuild_buckets();
    }

    public void beforeBackward() { reducer.prepare_for_backward(new TensorVector()); }

    @Override public void close() { reducer.remove_autograd_hooks(); }
}
