package org.jpo.model;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorArrayRefOptional;
import org.bytedeco.pytorch.global.torch;

import java.util.Optional;

import static org.jpo.tensor.Tensors.*;

/**
 * Batched, padded, masked per-token log-probabilities of completions given prompts.
 *
 * <p>log p(y_t) = logit[y_t] − logsumexp(logits), with the LM head run only on the N completion positions
 * and, by default, {@code chunk} positions at a time, so the [B,T,V] logits never exist at once: each chunk's
 * [chunk,V] logits are freed before the next. With gradient, autograd would keep every chunk's logits, so
 * training runs in two passes ({@link TwoPass}): values without gradient chunk by chunk, then, once the loss
 * is known, each chunk's head again with gradient, backpropagating dL/dlog p into the head and the hidden
 * states, and those into the body.
 */
public final class LogProbs {
    /**
     * Positions per LM-head chunk on paths without gradient (evaluation, scorers, {@code jpo logprobs}): at
     * V = 32k a chunk's logits are 32 MB. Measured with {@code jpo bench logprobs} (V=32000, B=8, T=512): peak
     * RSS 62 MB against 883 MB all at once and 1,194 MB for the full [B,T-1,V] logits, and no slower (1024: 250 MB).
     */
    public static final int DEFAULT_CHUNK = 256;

    private LogProbs() {}

    /**
     * Log-probs of the completions: chunked without gradient; with gradient in one pass through the whole
     * head (gradient flows to the model's parameters if they track it).
     */
    public static TokenLogps of(Transformer model, TokenBatch batch) {
        return forward(model, batch, GradMode.is_enabled() ? 0 : DEFAULT_CHUNK, false).logps();
    }

    /**
     * The log-probs, each token's log Σ_v p(v)² when asked (WPO's normalizer), and, with gradient and {@code chunk > 0}, the deferred
     * second pass whose {@link TwoPass#backward} must replace {@code loss.backward()}.
     *
     * @param chunk positions per LM-head chunk; 0 = all at once (with gradient: one ordinary pass)
     * @param collision also return log Σ_v p(v)² per token, without gradient (WPO, arXiv:2406.11827)
     */
    public static Forward forward(Transformer model, TokenBatch batch, int chunk, boolean collision) {
        if (chunk < 0) throw new IllegalArgumentException("chunk must be >= 0, got " + chunk);
        Targets tg = batch.targets();
        Tensor h = batch.hidden(model);                                                       // [B,T,D]
        Tensor hs = h.reshape(-1, h.size(2)).index_select(0, tg.source());                    // [N,D]
        long n = tg.count();
        boolean grad = GradMode.is_enabled();
        Heads out;
        Optional<TwoPass> twoPass = Optional.empty();
        if (grad && chunk == 0) {
            out = heads(model, hs, tg.ids(), collision);
        } else {
            out = chunked(model, hs, tg.ids(), chunk == 0 ? n : chunk, collision);
            if (grad) {
                Tensor leaf = out.logps().requires_grad_(true);                                // [N]
                twoPass = Optional.of(new TwoPass(model, hs, leaf, tg.ids(), chunk));
                out = new Heads(leaf, out.meanLogits(), out.logSumSq());
            }
        }
        Tensor mask = tg.mask();                                                               // [R,L]
        Tensor count = sum(mask, 1).clamp_min(s(1));                                           // [R]
        Tensor meanLogits;
        Optional<Tensor> logSumSq;
        try (NoGradGuard g = new NoGradGuard()) {
            meanLogits = sum(dense(out.meanLogits(), tg), 1).div(count);                       // [R]
            logSumSq = out.logSumSq().map(c -> dense(c, tg));                                  // [R,L]
        }
        return new Forward(new TokenLogps(dense(out.logps(), tg), mask, meanLogits), logSumSq, twoPass);
    }

    /**
     * @param logps    per-token log-probs in the batch's output layout [R,L]
     * @param logSumSq [R,L] log Σ_v p(v)² at each completion token (0 elsewhere), detached, when asked
     * @param twoPass  present when the head's backward is deferred
     */
    public record Forward(TokenLogps logps, Optional<Tensor> logSumSq, Optional<TwoPass> twoPass) {}

    /** Per-token values [N]: log-probs, mean logits (detached), log Σ_v p(v)² (detached, when asked). */
    private record Heads(Tensor logps, Tensor meanLogits, Optional<Tensor> logSumSq) {}

    /** The N values [N] in the output layout [R,L], zero elsewhere. */
    private static Tensor dense(Tensor values, Targets tg) {
        Tensor mask = tg.mask();
        return torch.zeros(mask.numel()).index_copy(0, tg.dest(), values).view(mask.size(0), mask.size(1));   // [R,L]
    }

    /** Under bf16 autocast the head's matmul returns bf16; log-probs are taken in fp32. */
    private static Tensor fp32(Tensor logits) {
        return logits.scalar_type().intern() == torch.ScalarType.Float ? logits : logits.to(torch.ScalarType.Float);
    }

    /** The head on hidden states h [n,D] for tokens ids [n]: log-probs and the detached statistics. */
    private static Heads heads(Transformer model, Tensor h, Tensor ids, boolean collision) {
        Tensor logits = fp32(model.logits(h));                                                // [n,V]
        Tensor lse = logits.logsumexp(new long[] {-1}, false);                                // [n]
        Tensor lp = logits.gather(-1, ids.unsqueeze(-1)).squeeze(-1).sub(lse);                // [n]
        try (NoGradGuard g = new NoGradGuard()) {
            Tensor x = logits.detach();                                                       // [n,V]
            Optional<Tensor> sq = collision
                    ? Optional.of(x.mul(s(2)).logsumexp(new long[] {-1}, false).sub(lse.detach().mul(s(2))))  // [n]
                    : Optional.empty();
            return new Heads(lp, mean(x, 1), sq);
        }
    }

    /** log p(ids) [n] from hidden states h [n,D], with gradient (the second pass needs nothing else). */
    private static Tensor logps(Transformer model, Tensor h, Tensor ids) {
        Tensor logits = fp32(model.logits(h));                                                // [n,V]
        return logits.gather(-1, ids.unsqueeze(-1)).squeeze(-1).sub(logits.logsumexp(new long[] {-1}, false));   // [n]
    }

    /** The head without gradient, {@code chunk} positions at a time, each chunk's logits freed before the next. */
    private static Heads chunked(Transformer model, Tensor h, Tensor ids, long chunk, boolean collision) {
        try (NoGradGuard g = new NoGradGuard()) {
            long n = h.size(0);
            Tensor hd = h.detach();                                                           // [N,D]
            Tensor lp = torch.empty(n), ml = torch.empty(n), sq = collision ? torch.empty(n) : null;   // [N]
            for (long at = 0; at < n; at += chunk) {
                long len = Math.min(chunk, n - at);
                try (PointerScope scope = new PointerScope()) {
                    Heads c = heads(model, hd.narrow(0, at, len), ids.narrow(0, at, len), collision);
                    lp.narrow(0, at, len).copy_(c.logps());
                    ml.narrow(0, at, len).copy_(c.meanLogits());
                    if (collision) sq.narrow(0, at, len).copy_(c.logSumSq().orElseThrow());
                }
            }
            return new Heads(lp, ml, Optional.ofNullable(sq));
        }
    }

    /**
     * The deferred backward of a chunked training forward. The loss was computed from a leaf holding the
     * log-prob values; {@link #backward} backpropagates the loss into that leaf, then recomputes the head
     * chunk by chunk from a detached copy of the hidden states, with gradient, pushes dL/dlog p through each
     * chunk (accumulating the head's weight gradient and dL/dh), and finally sends dL/dh into the body. The
     * head costs one extra forward; peak memory holds one chunk's logits instead of all of them.
     */
    public static final class TwoPass {
        private final Transformer model;
        private final Tensor hidden, leaf, ids;   // [N,D] with gradient to the body, [N] log-prob leaf, [N] targets
        private final long chunk;

        private TwoPass(Transformer model, Tensor hidden, Tensor leaf, Tensor ids, long chunk) {
            this.model = model;
            this.hidden = hidden;
            this.leaf = leaf;
            this.ids = ids;
            this.chunk = chunk;
        }

        /** Replaces {@code loss.backward()}: accumulates the gradient of {@code loss} into every parameter. */
        public void backward(Tensor loss) {
            loss.backward();
            Tensor g = leaf.grad();                                                           // [N] dL/dlog p
            if (!g.defined()) return;                                                         // the loss ignores the log-probs
            Tensor h = hidden.detach().requires_grad_(true);                                  // [N,D]
            long n = h.size(0);
            for (long at = 0; at < n; at += chunk) {
                long len = Math.min(chunk, n - at);
                try (PointerScope scope = new PointerScope()) {
                    Tensor lp = logps(model, h.narrow(0, at, len), ids.narrow(0, at, len));   // [len]
                    lp.mul(g.narrow(0, at, len)).sum().backward();
                }
            }
            hidden.backward(h.grad(), new BoolOptional(), false, new TensorArrayRefOptional());
        }
    }
}
