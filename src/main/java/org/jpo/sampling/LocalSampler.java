package org.jpo.sampling;

import org.bytedeco.pytorch.global.torch;
import org.jpo.ChildEnv;
import org.jpo.Progress;
import org.jpo.Seeds;
import org.jpo.UserError;
import org.jpo.model.Transformer;
import org.jpo.model.VectorLlama;
import org.jpo.tensor.Natives;
import org.jpo.tokenizer.Llama2cTokenizer;
import org.jpo.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Generation with a KV cache on the local model. Rows (prompt × sample) are continuously batched in at most
 * {@code maxRows} slots ({@link ContinuousBatch}): a finished row's slot takes the next waiting row, so the batch
 * stays full, and each row computes what it would alone. Each generation call runs in its own PointerScope.
 * Many rows are split over decode workers, one per libtorch thread ({@link #workers}).
 */
public final class LocalSampler implements Sampler {
    private final Transformer model;
    private final Set<Integer> stopIds;
    private final int maxRows;
    /** Nash-MD's opponent: tokens from the geometric mixture of {@link #model} and a reference; empty = the model alone. */
    private final Optional<Mixture> mixture;
    private final Decoder decoder;

    /** Which forward decodes: libtorch ops, or the Vector API decoder ({@link VectorLlama}) where it runs the model. */
    public enum Decoder {
        /** The Vector API decoder when the model allows ({@link Transformer#vectorDecoderMissing}), else libtorch. */
        AUTO,
        /** libtorch ops, one call each (the path every model and option runs on). */
        TORCH,
        /** The Vector API decoder; refuses a model it cannot run. */
        VECTOR
    }

    /**
     * @param stopIds token ids that end a sample (EOS; llama2.c models also stop at BOS)
     * @param maxRows most rows (prompt × sample) decoded together
     */
    public LocalSampler(Transformer model, Set<Integer> stopIds, int maxRows) { this(model, stopIds, maxRows, Optional.empty(), Decoder.AUTO); }

    private LocalSampler(Transformer model, Set<Integer> stopIds, int maxRows, Optional<Mixture> mixture, Decoder decoder) {
        if (maxRows < 1) throw new IllegalArgumentException("maxRows must be >= 1, got " + maxRows);
        this.model = model;
        this.stopIds = Set.copyOf(stopIds);
        this.maxRows = maxRows;
        this.mixture = mixture;
        this.decoder = decoder;
    }

    /** This sampler decoding with {@code d} (benchmarks and tests compare the two forwards). */
    public LocalSampler with(Decoder d) {
        if (d == Decoder.VECTOR) {
            if (mixture.isPresent()) throw new UserError("the Vector API decoder does not sample from a mixture");
            model.vectorDecoderMissing().ifPresent(why -> { throw new UserError("the Vector API decoder cannot run this model: " + why); });
        }
        return new LocalSampler(model, stopIds, maxRows, mixture, d);
    }

    /** The Vector API decoder's copy of the weights when this sampler decodes with it. */
    private Optional<VectorLlama> vector() {
        if (decoder == Decoder.TORCH || mixture.isPresent()) return Optional.empty();
        return model.vector();
    }

    /**
     * This sampler drawing from the geometric mixture of its model and {@code m}'s reference ({@link Mixture}): the two
     * are forwarded in lockstep, each with its own KV cache, and their logits mixed before a token is chosen. Rows are
     * seeded and batched as this sampler's, so at β = 0 it draws this sampler's tokens exactly.
     */
    public LocalSampler mixedWith(Mixture m) {
        var p = model.config();
        var r = m.reference().config();
        if (r.vocabSize() != p.vocabSize()) {
            throw new UserError("the mixture's reference has a vocabulary of " + r.vocabSize() + " tokens, the policy " + p.vocabSize()
                    + "; both must share the tokenizer");
        }
        if (r.contextLimit() < p.contextLimit()) {
            throw new UserError("the mixture's reference has a context window of " + r.contextLimit() + " tokens, below the policy's "
                    + p.contextLimit());
        }
        return new LocalSampler(model, stopIds, maxRows, Optional.of(m), decoder);
    }

    /** EOS of the tokenizer and of the config; llama2.c models also end a story at BOS (run.c does the same). */
    public static Set<Integer> stopIds(Transformer m, Tokenizer t) {
        Set<Integer> ids = new java.util.HashSet<>();
        t.eosId().ifPresent(ids::add);
        m.config().eosId().ifPresent(ids::add);
        if (t instanceof Llama2cTokenizer) t.bosId().ifPresent(ids::add);
        return ids;
    }

    /**
     * Hears a row's tokens as each is chosen, on the thread decoding the row: with many rows one of several decode
     * workers, so a listener shared by rows must be thread-safe.
     */
    @FunctionalInterface
    public interface TokenListener {
        /** Token {@code id} with log-prob {@code logp} was appended to the row; false ends the row now (finish STOP). */
        boolean onToken(int id, double logp);

        TokenListener NONE = (id, logp) -> true;
    }

    /**
     * One row to decode: a prompt's sample with its own random stream.
     *
     * @param seed         the row's stream ({@link Seeds#sample} for {@link #sample}'s rows)
     * @param maxNewTokens most tokens generated; fewer if the context window fills
     * @param listener     told of each token; may end the row early (a stop string)
     */
    public record Row(Prompt prompt, int sampleIndex, long seed, int maxNewTokens, TokenListener listener) {
        public Row {
            if (maxNewTokens < 1) throw new IllegalArgumentException("max_new_tokens must be >= 1, got " + maxNewTokens);
        }
    }

    /** A row with the choice that picks its tokens; rows with different choices may share a batch. */
    public record Job(Row row, Choice choice) {}

    /**
     * Where a continuous batch gets its rows, on the decoding thread. {@link #take} is asked between steps
     * whenever a slot is free; {@link #done} hears each row as it finishes.
     */
    public interface Feed {
        /** At most {@code max} rows to start now; empty when none waits now. */
        List<Job> take(int max);

        void done(Job job, Completion completion);
    }

    /** Counters of the decode steps run so far: how many, and the tensors they created. */
    public static final class Stats {
        // counted on every tensor a step creates, from every decode worker: adders, not one lock on the hot path
        private final LongAdder steps = new LongAdder(), tensors = new LongAdder();

        void step() { steps.increment(); }

        void tensor() { tensors.increment(); }

        public long steps() { return steps.sum(); }

        /** Tensors created by decode steps (choosing a token and one forward): the native calls a step costs. */
        public long tensors() { return tensors.sum(); }

        /** Starts counting afresh (after a warm-up). */
        public void reset() {
            steps.reset();
            tensors.reset();
        }
    }

    private final Stats stats = new Stats();
    static final int MIN_ROWS_PER_WORKER = 8;

    /** What this sampler's decode steps have cost so far. */
    public Stats stats() { return stats; }

    @Override public List<Completion> sample(List<Prompt> prompts, SamplingParams params) {
        List<Row> rows = new ArrayList<>();
        for (Prompt p : prompts) {
            for (int j = 0; j < params.n(); j++) {
                rows.add(new Row(p, j, Seeds.sample(params.seed(), 0, p.index(), j), params.maxNewTokens(), TokenListener.NONE));
            }
        }
        try (Progress progress = Progress.start("sample", "completions", rows.size(), 0)) {
            return decode(rows, params.choice(), progress);
        }
    }

    /**
     * Completions of {@code rows}, in their order, continuously batched in at most {@code maxRows} slots (without a
     * progress line). A row's tokens depend on its prompt, seed and {@code choice} only, never on the rows it
     * shares a batch with.
     */
    public List<Completion> generate(List<Row> rows, Choice choice) { return decode(rows, choice, null); }

    /**
     * Decodes the feed's rows until it has none and every slot is idle; rows arriving mid-decode join the
     * running batch at the next step. The cache starts at {@code capacity} columns and grows when a row needs more.
     */
    public void run(Feed feed, int capacity) {
        Optional<VectorLlama> v = vector();
        if (v.isPresent()) new VectorBatch(v.get(), stopIds, maxRows, feed, stats).run();
        else new ContinuousBatch(model, mixture, stopIds, maxRows, Math.max(1, capacity), feed, stats).run();
    }

    private List<Completion> decode(List<Row> rows, Choice choice, Progress progress) {
        checkWindow(rows);
        Completion[] out = new Completion[rows.size()];
        int longest = rows.stream().mapToInt(r -> r.prompt().ids().length).max().orElse(0);
        int capacity = Math.max(1, longest + rows.stream().mapToInt(Row::maxNewTokens).max().orElse(0));
        Optional<VectorLlama> vector = vector();
        int workers = vector.isPresent() ? Math.max(1, Math.min(torch.get_num_threads(), rows.size() / MIN_ROWS_PER_WORKER)) : workers(rows.size());
        AtomicBoolean failed = new AtomicBoolean();
        AtomicInteger finished = new AtomicInteger();
        if (workers == 1) {
            Share all = new Share(rows, 0, 1, choice, out, progress, failed, finished);
            if (vector.isPresent()) new VectorBatch(vector.get(), stopIds, maxRows, all, stats).run();
            else new ContinuousBatch(model, mixture, stopIds, maxRows, capacity, all, stats).run();
            return List.of(out);
        }
        int slots = (maxRows + workers - 1) / workers;
        List<Thread> threads = new ArrayList<>();
        List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        try (Natives.Pools pools = Natives.decodeWorkerThreads()) {
            for (int w = 0; w < workers; w++) {
                Share share = new Share(rows, w, workers, choice, out, progress, failed, finished);
                Thread t = new Thread(() -> {
                    try {
                        if (vector.isPresent()) new VectorBatch(vector.get(), stopIds, slots, share, stats).run();
                        else new ContinuousBatch(model, mixture, stopIds, slots, capacity, share, stats).run();
                    } catch (Throwable e) {
                        failed.set(true);   // the other workers take no new rows and finish the ones they hold
                        errors.add(e);
                    }
                }, "jpo-decode-" + w);
                t.setDaemon(true);
                t.start();
                threads.add(t);
            }
            for (Thread t : threads) join(t);
        }
        if (!errors.isEmpty()) {
            Throwable e = errors.get(0);
            if (e instanceof RuntimeException r) throw r;
            if (e instanceof Error r) throw r;
            throw new IllegalStateException(e);
        }
        return List.of(out);
    }

    /**
     * Decode workers for {@code rows} rows: one per libtorch thread, each with at least {@link #MIN_ROWS_PER_WORKER}
     * rows, on their own core with both pools at one thread. A decode step costs per op, not per row, so two
     * workers at half the rows each beat one step of all rows on two threads (stories260K, 64 × 8 rows in 256 slots,
     * tcmalloc: 23k tok/s against 16k); not under glibc's single arena, which serializes their allocations.
     */
    static int workers(int rows) {
        if (ChildEnv.oneMallocArena()) return 1;
        return Math.max(1, Math.min(torch.get_num_threads(), rows / MIN_ROWS_PER_WORKER));
    }

    private static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserError("interrupted while sampling");
        }
    }

    /**
     * Worker {@code w} of {@code of}'s rows: every {@code of}-th row from {@code w}, so which rows share a batch
     * depends on the rows and the worker count only, never on timing. Completions land in {@code out} at the
     * row's index.
     */
    private static final class Share implements Feed {
        private final List<Row> rows;
        private final int of;
        private final Choice choice;
        private final Completion[] out;
        private final Progress progress;
        private final AtomicBoolean stop;       // a worker failed: take no new rows
        private final AtomicInteger finished;   // rows done by all workers, for the progress line
        private final Map<Job, Integer> index = new IdentityHashMap<>();   // a list may hold one row twice
        private int next;

        Share(List<Row> rows, int w, int of, Choice choice, Completion[] out, Progress progress, AtomicBoolean stop,
              AtomicInteger finished) {
            this.rows = rows;
            this.next = w;
            this.of = of;
            this.choice = choice;
            this.out = out;
            this.progress = progress;
            this.stop = stop;
            this.finished = finished;
        }

        @Override public List<Job> take(int max) {
            List<Job> jobs = new ArrayList<>();
            while (jobs.size() < max && next < rows.size() && !stop.get()) {
                Job j = new Job(rows.get(next), choice);
                index.put(j, next);
                next += of;
                jobs.add(j);
            }
            return jobs;
        }

        @Override public void done(Job job, Completion c) {
            out[index.get(job)] = c;
            int n = finished.incrementAndGet();
            if (progress == null) return;
            synchronized (progress) {
                progress.update(n, "");
            }
        }
    }

    private void checkWindow(List<Row> rows) {
        int window = model.config().contextLimit();
        for (Row r : rows) {
            if (r.prompt().ids().length >= window) {
                throw new UserError("prompt " + r.prompt().index() + " has " + r.prompt().ids().length
                        + " tokens; the context window is " + window + " (no room to generate)");
            }
        }
    }
}
