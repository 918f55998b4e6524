package org.jpo.sampling;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.jpo.UserError;
import org.jpo.model.KvCache;
import org.jpo.model.Transformer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.jpo.tensor.Tensors.*;

/**
 * Continuous batching (Orca, Yu et al. OSDI 2022; vLLM 2309.06180): rows are decoded in at most {@code maxRows}
 * slots, and a slot whose row finished takes the next waiting row at the next step, so the batch stays full.
 * Newly admitted rows are prefilled together (left-padded, each distinct prompt once) and their keys copied into
 * their slots; each slot then writes its keys at its own column and sees only its own columns [start, next], so
 * a row computes what it would alone. When nothing waits, finished slots are dropped once half the batch is idle.
 *
 * <p>With a {@link Mixture} the reference is a second lane: prefilled, stepped, grown and shrunk with the policy's rows
 * in a cache of its own, and its logits mixed into the policy's before each choice.
 */
final class ContinuousBatch {
    private final Transformer model;
    private final Optional<Mixture> mixture;
    private final Set<Integer> stopIds;
    private final int maxRows, window;
    private final LocalSampler.Feed feed;
    private final LocalSampler.Stats stats;
    private final List<Slot> slots = new ArrayList<>();   // slot i is batch row i; an idle slot has no row
    private KvCache cache;                                 // [B, Hkv, capacity, hd] per layer
    private KvCache referenceCache;                        // the mixture's reference: the same rows and columns as cache
    private Tensor logits;                                 // [B,V] next-token logits of each slot (mixed, with a mixture), owned
    private long[] fed;                                    // the token each slot feeds at the next step
    private int capacity;

    /** A slot's row and the cache columns it owns: keys at [start, next); its next token's key goes to next. */
    private static final class Slot {
        Decoding row;
        int start, next;
    }

    ContinuousBatch(Transformer model, Optional<Mixture> mixture, Set<Integer> stopIds, int maxRows, int capacity, LocalSampler.Feed feed,
                    LocalSampler.Stats stats) {
        this.model = model;
        this.mixture = mixture;
        this.stopIds = stopIds;
        this.maxRows = maxRows;
        this.window = model.config().contextLimit();
        this.capacity = capacity;
        this.feed = feed;
        this.stats = stats;
    }

    /** Decodes until the feed has nothing and every slot is idle. */
    void run() {
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            while (true) {
                boolean more = admit();
                if (busy() == 0) return;
                choose();
                if (busy() == 0) continue;
                if (!more && 2 * (slots.size() - busy()) >= slots.size()) shrink();
                step();
            }
        } finally {
            if (cache != null) cache.close();
            if (referenceCache != null) referenceCache.close();
            if (logits != null) logits.close();
        }
    }

    private int busy() { return (int) slots.stream().filter(s -> s.row != null).count(); }

    /** Fills idle slots (adding slots up to maxRows) from the feed; false when the feed had fewer rows than asked. */
    private boolean admit() {
        int idle = slots.size() - busy(), free = maxRows - busy();
        if (free == 0) return true;
        List<LocalSampler.Job> jobs = feed.take(free);
        if (jobs.isEmpty()) return false;
        for (LocalSampler.Job j : jobs) {
            if (j.row().prompt().ids().length >= window) {
                throw new UserError("prompt " + j.row().prompt().index() + " has " + j.row().prompt().ids().length
                        + " tokens; the context window is " + window + " (no room to generate)");
            }
        }
        try (PointerScope scope = new PointerScope()) {
            if (jobs.size() > idle) addSlots(jobs.size() - idle);
            prefill(jobs);
        }
        return jobs.size() == free;
    }

    private void addSlots(int extra) {
        for (int i = 0; i < extra; i++) slots.add(new Slot());
        fed = Arrays.copyOf(fed == null ? new long[0] : fed, slots.size());
        long v = model.config().vocabSize();
        if (cache == null) {
            cache = model.newCache(extra, capacity);
            mixture.ifPresent(m -> referenceCache = m.reference().newCache(extra, capacity));
            logits = keep(torch.zeros(extra, v));                                               // [B,V]
            return;
        }
        cache.grow(extra, capacity);
        if (referenceCache != null) referenceCache.grow(extra, capacity);
        Tensor more = keep(torch.cat(new org.bytedeco.pytorch.TensorVector(logits, torch.zeros(extra, v))));   // [B',V]
        logits.close();
        logits = more;
    }

    /** Prefills each distinct prompt of {@code jobs} once and places the rows in idle slots. */
    private void prefill(List<LocalSampler.Job> jobs) {
        Map<String, Integer> distinct = new LinkedHashMap<>();
        List<int[]> prompts = new ArrayList<>();
        long[] from = new long[jobs.size()], to = new long[jobs.size()];
        int slot = 0;
        for (int i = 0; i < jobs.size(); i++) {
            int[] ids = jobs.get(i).row().prompt().ids();
            from[i] = distinct.computeIfAbsent(Arrays.toString(ids), k -> { prompts.add(ids); return prompts.size() - 1; });
            while (slots.get(slot).row != null) slot++;
            to[i] = slot++;
        }
        int longest = prompts.stream().mapToInt(p -> p.length).max().orElseThrow();
        int steps = jobs.stream().mapToInt(j -> j.row().maxNewTokens()).max().orElseThrow();
        if (longest + steps > capacity) {
            capacity = longest + steps;
            cache.grow(0, capacity);
            if (referenceCache != null) referenceCache.grow(0, capacity);
        }
        Tensor fromIndex = longs(from, from.length), toIndex = longs(to, to.length);           // [R]
        try (KvCache group = model.newCache(prompts.size(), longest)) {
            Tensor first = Prefill.logits(model, prompts, longest, group);                     // [U,V]
            cache.copyRows(group, fromIndex, toIndex);
            if (mixture.isPresent()) first = mixture.get().mix(first, referencePrefill(prompts, longest, fromIndex, toIndex));   // [U,V]
            logits.index_copy_(0, toIndex, first.index_select(0, fromIndex));
        }
        for (int i = 0; i < jobs.size(); i++) {
            Slot s = slots.get((int) to[i]);
            s.row = new Decoding(jobs.get(i));
            s.start = longest - jobs.get(i).row().prompt().ids().length;
            s.next = longest;
        }
    }

    /** The reference's prefill of the same prompts into its cache's same rows; its next-token logits [U,V]. */
    private Tensor referencePrefill(List<int[]> prompts, int longest, Tensor fromIndex, Tensor toIndex) {
        Transformer reference = mixture.orElseThrow().reference();
        try (KvCache group = reference.newCache(prompts.size(), longest)) {
            Tensor first = Prefill.logits(reference, prompts, longest, group);                 // [U,V]
            referenceCache.copyRows(group, fromIndex, toIndex);
            return first;
        }
    }

    /** Picks every busy slot's next token, records it, and frees the slots whose rows finished. */
    private void choose() {
        try (StepScope scope = new StepScope(stats)) {
            int b = slots.size();
            double[] u = new double[b];
            Choice[] choices = new Choice[b];
            Choice any = slots.stream().filter(s -> s.row != null).findFirst().orElseThrow().row.job.choice();
            for (int i = 0; i < b; i++) {
                Decoding r = slots.get(i).row;
                u[i] = r == null ? 0.5 : r.rng.nextDouble();
                choices[i] = r == null ? any : r.job.choice();
            }
            Tensor chosen = TokenChooser.choose(logits, u, choices);                           // [B]
            Tensor logp = logits.log_softmax(-1).gather(1, chosen.unsqueeze(1)).squeeze(1);    // [B]
            double[] both = toDoubles(torch.stack(new org.bytedeco.pytorch.TensorVector(chosen.to(torch.ScalarType.Double), logp.to(torch.ScalarType.Double))));   // [2·B], one copy to the host
            for (int i = 0; i < b; i++) {
                Slot s = slots.get(i);
                fed[i] = (long) both[i];
                if (s.row == null) continue;
                if (record(s.row, (int) both[i], both[b + i])) s.row = null;
            }
        }
    }

    /** Appends a token to a row; true when that finished the row (its completion is handed to the feed). */
    private boolean record(Decoding r, int id, double logp) {
        if (!r.append(id, logp, stopIds, window)) return false;
        feed.done(r.job, r.completion());
        return true;
    }

    /** Drops idle slots: nothing waits for them, and each costs a row of every step. */
    private void shrink() {
        try (PointerScope scope = new PointerScope()) {
            List<Slot> kept = slots.stream().filter(s -> s.row != null).toList();
            long[] rows = new long[kept.size()], keptFed = new long[kept.size()];
            for (int i = 0; i < kept.size(); i++) {
                rows[i] = slots.indexOf(kept.get(i));
                keptFed[i] = fed[(int) rows[i]];
            }
            Tensor index = longs(rows, rows.length);                                           // [B']
            cache.keepRows(index);
            if (referenceCache != null) referenceCache.keepRows(index);
            Tensor fewer = keep(logits.index_select(0, index));                                // [B',V]
            logits.close();
            logits = fewer;
            slots.retainAll(kept);
            fed = keptFed;
        }
    }

    /** One decode step: every slot feeds its token at its own column; idle slots compute a throwaway row. */
    private void step() {
        try (StepScope scope = new StepScope(stats)) {
            int b = slots.size(), span = 1;
            long[] pos = new long[b], col = new long[b];
            for (int i = 0; i < b; i++) {
                Slot s = slots.get(i);
                if (s.row == null) continue;
                // a row at the window's end has finished; clamping keeps learned position tables in range
                pos[i] = Math.min(s.row.prompt().ids().length + s.row.tokens.size() - 1, window - 1);
                col[i] = s.next;
                span = Math.max(span, s.next + 1);
            }
            Tensor ids = longs(fed, b, 1), positions = longs(pos, b, 1), mask = mask(span);    // [B,1] [B,1] [B,1,1,S]
            cache.writeAt(col, span);
            Tensor hidden = model.hidden(ids, positions, mask, cache);                         // [B,1,D]
            Tensor next = model.logits(hidden.select(1, 0));                                   // [B,V]
            if (mixture.isPresent()) {
                Transformer reference = mixture.get().reference();
                referenceCache.writeAt(col, span);
                Tensor theirs = reference.logits(reference.hidden(ids, positions, mask, referenceCache).select(1, 0));   // [B,V]
                next = mixture.get().mix(next, theirs);                                        // [B,V]
            }
            next = keep(next);
            logits.close();
            logits = next;
            for (Slot s : slots) if (s.row != null) s.next++;
            stats.step();
        }
    }

    /** [B,1,1,S] bool: a busy slot sees its columns [start, next]; an idle one column 0 (no softmax row is empty). */
    private Tensor mask(int span) {
        int b = slots.size();
        byte[] m = new byte[b * span];
        for (int i = 0; i < b; i++) {
            Slot s = slots.get(i);
            if (s.row == null) m[i * span] = 1;
            else Arrays.fill(m, i * span + s.start, i * span + s.next + 1, (byte) 1);
        }
        try (BytePointer p = new BytePointer(m)) {
            return torch.from_blob(p, new long[] {b, 1, 1, span}, options(torch.ScalarType.Bool)).clone();
        }
    }

    /** A step's scope, counting the tensors the step creates (the native calls a token costs). */
    private static final class StepScope extends PointerScope {
        private final LocalSampler.Stats stats;

        StepScope(LocalSampler.Stats stats) { this.stats = stats; }

        @Override public PointerScope attach(Pointer p) {
            if (p instanceof Tensor) stats.tensor();
            return super.attach(p);
        }
    }
}
