package org.jpo.sampling;

import org.jpo.Progress;
import org.jpo.Seeds;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.jpo.UserError;
import org.jpo.model.KvCache;
import org.jpo.model.Transformer;
import org.jpo.tokenizer.Llama2cTokenizer;
import org.jpo.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.jpo.tensor.Tensors.*;

/**
 * Generation with a KV cache on the local model. Rows (prompt × sample) are left-padded into batches of at
 * most {@code maxRows}; pad keys are masked out and each row's positions start at 0 at its first real
 * token, so a row computes what it would alone. Each generation call runs in its own PointerScope.
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

    @Override public List<Completion> sample(List<Prompt> prompts, SamplingParams params) {
        List<Row> rows = new ArrayList<>();
        for (Prompt p : prompts) {
            for (int j = 0; j < params.n(); j++) {
                rows.add(new Row(p, j, Seeds.sample(params.seed(), 0, p.index(), j), params.maxNewTokens(), TokenListener.NONE));
            }
        }
        checkWindow(rows);
        List<Completion> out = new ArrayList<>(rows.size());
        try (Progress progress = Progress.start("sample", "completions", rows.size(), 0)) {
            for (int start = 0; start < rows.size(); start += maxRows) {
                out.addAll(batch(rows.subList(start, Math.min(rows.size(), start + maxRows)), params.choice()));
                progress.update(out.size(), "");
            }
        }
        return out;
    }

    /**
     * Completions of {@code rows}, in their order, decoded in batches of at most {@code maxRows} (without a
     * progress line: a server calls this for every batch). A row's tokens depend on its prompt, seed and
     * {@code choice} only, never on the rows it shares a batch with.
     */
    public List<Completion> generate(List<Row> rows, Choice choice) {
        checkWindow(rows);
        List<Completion> out = new ArrayList<>(rows.size());
        for (int start = 0; start < rows.size(); start += maxRows) {
            out.addAll(batch(rows.subList(start, Math.min(rows.size(), start + maxRows)), choice));
        }
        return out;
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

    /** One generation call, in its own PointerScope. */
    private List<Completion> batch(List<Row> rows, Choice choice) {
        List<Decoding> batch = rows.stream().map(Decoding::new).toList();
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            decode(batch, choice);
        }
        return batch.stream().map(Decoding::completion).toList();
    }

    /** Prefills the left-padded prompts, then decodes one token per step for every row until all have finished. */
    private void decode(List<Decoding> rows, Choice choice) {
        int b = rows.size(), window = model.config().maxSeqLen();
        int longest = rows.stream().mapToInt(r -> r.prompt.ids().length).max().orElseThrow();
        int steps = rows.stream().mapToInt(r -> r.row.maxNewTokens()).max().orElseThrow();
        int capacity = longest + steps;
        KvCache cache = model.newCache(b, capacity);
        Tensor keyValid = keyValidity(rows, longest, capacity);                                 // [B,S] bool
        Tensor logits = keep(prefill(rows, longest, keyValid, cache));                          // [B,V]
        for (int step = 0; step < steps; step++) {
            long[] next;
            try (PointerScope stepScope = new PointerScope()) {
                next = toLongs(chooseAndRecord(rows, logits, choice, window));
                logits.close();
                if (rows.stream().allMatch(Decoding::finished) || step == steps - 1) return;
                Tensor ids = longs(next, b, 1);                                                 // [B,1]
                long[] pos = new long[b];
                // a row past the window has finished; clamping its position keeps learned position tables in range
                for (int i = 0; i < b; i++) pos[i] = Math.min(rows.get(i).prompt.ids().length + step, window - 1);
                int s = cache.length() + 1;
                Tensor mask = keyValid.narrow(1, 0, s).view(b, 1, 1, s);                        // [B,1,1,S]
                Tensor hidden = model.hidden(ids, longs(pos, b, 1), mask, cache);               // [B,1,D]
                logits = keep(model.logits(hidden.select(1, 0)));                               // [B,V]
            }
        }
    }

    private Tensor prefill(List<Decoding> rows, int longest, Tensor keyValid, KvCache cache) {
        int b = rows.size();
        long[] ids = new long[b * longest], pos = new long[b * longest];
        for (int i = 0; i < b; i++) {
            int[] p = rows.get(i).prompt.ids();
            int pad = longest - p.length;
            for (int t = 0; t < longest; t++) {
                ids[i * longest + t] = t < pad ? p[0] : p[t - pad];   // pad with any real id: it is masked out
                pos[i * longest + t] = Math.max(0, t - pad);
            }
        }
        Tensor causal = torch.ones(new long[] {longest, longest}, options(torch.ScalarType.Bool)).tril();   // [P,P]
        Tensor self = torch.eye(longest, options(torch.ScalarType.Bool));                                  // [P,P]
        Tensor valid = keyValid.narrow(1, 0, longest).view(b, 1, 1, longest);                             // [B,1,1,P]
        // A pad query attends to itself only, so no softmax row is empty (an all-masked row would give NaN).
        Tensor mask = causal.logical_and(valid).logical_or(self);                                          // [B,1,P,P]
        Tensor hidden = model.hidden(longs(ids, b, longest), longs(pos, b, longest), mask, cache);          // [B,P,D]
        return model.logits(hidden.select(1, longest - 1));                                                // [B,V]
    }

    /** true where a cache slot holds a real token: everything but each row's left padding. */
    private static Tensor keyValidity(List<Decoding> rows, int longest, int capacity) {
        long[] valid = new long[rows.size() * capacity];
        for (int i = 0; i < rows.size(); i++) {
            int pad = longest - rows.get(i).prompt.ids().length;
            for (int t = pad; t < capacity; t++) valid[i * capacity + t] = 1;
        }
        return longs(valid, rows.size(), capacity).to(torch.ScalarType.Bool);
    }

    /** Chooses each row's next token, records it on unfinished rows, and returns the ids to feed [B]. */
    private Tensor chooseAndRecord(List<Decoding> rows, Tensor logits, Choice choice, int window) {
        double[] u = new double[rows.size()];
        for (int i = 0; i < u.length; i++) u[i] = rows.get(i).rng.nextDouble();
        Tensor chosen = TokenChooser.choose(logits, doubles(u, u.length), choice);              // [B]
        Tensor logp = logits.log_softmax(-1).gather(1, chosen.unsqueeze(1)).squeeze(1);         // [B]
        long[] ids = toLongs(chosen);
        double[] lps = toDoubles(logp);
        for (int i = 0; i < rows.size(); i++) {
            Decoding r = rows.get(i);
            if (r.finished()) continue;
            r.add((int) ids[i], lps[i]);
            boolean go = r.row.listener().onToken((int) ids[i], lps[i]);
            if (!go || stopIds.contains((int) ids[i])) r.finish = FinishReason.STOP;
            else if (r.tokens.size() == r.row.maxNewTokens() || r.prompt.ids().length + r.tokens.size() >= window) {
                r.finish = FinishReason.LENGTH;
            }
        }
        return chosen;
    }

    /** One row being decoded: its stream and what it has generated so far. */
    private static final class Decoding {
        final Row row;
        final Prompt prompt;
        final SplittableRandom rng;
        final List<Integer> tokens = new ArrayList<>();
        final List<Double> logps = new ArrayList<>();
        FinishReason finish;

        Decoding(Row row) {
            this.row = row;
            this.prompt = row.prompt();
            this.rng = new SplittableRandom(row.seed());
        }

        boolean finished() { return finish != null; }

        void add(int id, double logp) { tokens.add(id); logps.add(logp); }

        Completion completion() {
            return new Completion(prompt.index(), row.sampleIndex(), tokens.stream().mapToInt(Integer::intValue).toArray(),
                    logps.stream().mapToDouble(Double::doubleValue).toArray(),
                    finish == null ? FinishReason.LENGTH : finish, row.seed());
        }
    }
}
