package org.jpo.sampling;

import org.jpo.Progress;
import org.jpo.Seeds;
import org.jpo.UserError;
import org.jpo.model.Transformer;
import org.jpo.tokenizer.Llama2cTokenizer;
import org.jpo.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Generation with a KV cache on the local model. Rows (prompt × sample) are continuously batched in at most
 * {@code maxRows} slots ({@link ContinuousBatch}): a finished row's slot takes the next waiting row, so the batch
 * stays full, and each row computes what it would alone. Each generation call runs in its own PointerScope.
 */
public final class LocalSampler implements Sampler {
    private final Transformer model;
    private final Set<Integer> stopIds;
    private final int maxRows;

    /**
     * @param stopIds token ids that end a sample (EOS; llama2.c models also stop at BOS)
     * @param maxRows most rows (prompt × sample) decoded together
     */
    public LocalSampler(Transformer model, Set<Integer> stopIds, int maxRows) {
        if (maxRows < 1) throw new IllegalArgumentException("maxRows must be >= 1, got " + maxRows);
        this.model = model;
        this.stopIds = Set.copyOf(stopIds);
        this.maxRows = maxRows;
    }

    /** EOS of the tokenizer and of the config; llama2.c models also end a story at BOS (run.c does the same). */
    public static Set<Integer> stopIds(Transformer m, Tokenizer t) {
        Set<Integer> ids = new java.util.HashSet<>();
        t.eosId().ifPresent(ids::add);
        m.config().eosId().ifPresent(ids::add);
        if (t instanceof Llama2cTokenizer) t.bosId().ifPresent(ids::add);
        return ids;
    }

    /** Hears a row's tokens on the decoding thread, as each is chosen. */
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
        private long steps, tensors;

        void step() { steps++; }

        void tensor() { tensors++; }

        public long steps() { return steps; }

        /** Tensors created by decode steps (choosing a token and one forward): the native calls a step costs. */
        public long tensors() { return tensors; }

        /** Starts counting afresh (after a warm-up). */
        public void reset() { steps = tensors = 0; }
    }

    private final Stats stats = new Stats();

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
        new ContinuousBatch(model, stopIds, maxRows, Math.max(1, capacity), feed, stats).run();
    }

    private List<Completion> decode(List<Row> rows, Choice choice, Progress progress) {
        checkWindow(rows);
        Completion[] out = new Completion[rows.size()];
        Map<Job, Integer> order = new IdentityHashMap<>();   // a list may hold one row twice
        int[] next = {0, 0};   // rows handed out, rows done
        int longest = rows.stream().mapToInt(r -> r.prompt().ids().length).max().orElse(0);
        int steps = rows.stream().mapToInt(Row::maxNewTokens).max().orElse(0);
        run(new Feed() {
            @Override public List<Job> take(int max) {
                List<Job> jobs = new ArrayList<>();
                while (jobs.size() < max && next[0] < rows.size()) {
                    Job j = new Job(rows.get(next[0]), choice);
                    order.put(j, next[0]++);
                    jobs.add(j);
                }
                return jobs;
            }

            @Override public void done(Job job, Completion c) {
                out[order.get(job)] = c;
                if (progress != null) progress.update(++next[1], "");
            }
        }, longest + steps);
        return List.of(out);
    }

    private void checkWindow(List<Row> rows) {
        int window = model.config().maxSeqLen();
        for (Row r : rows) {
            if (r.prompt().ids().length >= window) {
                throw new UserError("prompt " + r.prompt().index() + " has " + r.prompt().ids().length
                        + " tokens; the context window is " + window + " (no room to generate)");
            }
        }
    }
}
