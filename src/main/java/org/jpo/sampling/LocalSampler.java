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

    @Override public List<Completion> sample(List<Prompt> prompts, SamplingParams params) {
        int window = model.config().maxSeqLen();
        for (Prompt p : prompts) {
            if (p.ids().length >= window) {
                throw new UserError("prompt " + p.index() + " has " + p.ids().length
                        + " tokens; the context window is " + window + " (no room to generate)");
            }
        }
        List<Row> rows = new ArrayList<>();
        for (Prompt p : prompts) {
            for (int j = 0; j < params.n(); j++) rows.add(new Row(p, j, Seeds.sample(params.seed(), 0, p.index(), j)));
        }
        List<Completion> out = new ArrayList<>(rows.size());
        try (Progress progress = Progress.start("sample", "completions", rows.size(), 0)) {
            for (int start = 0; start < rows.size(); start += maxRows) {
                List<Row> batch = rows.subList(start, Math.min(rows.size(), start + maxRows));
                try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
                    decode(batch, params);
                }
                for (Row r : batch) out.add(r.completion());
                progress.update(out.size(), "");
            }
        }
        return out;
    }

    /** Prefills the left-padded prompts, then decodes one token per step for every row until all have finished. */
    private void decode(List<Row> rows, SamplingParams params) {
        int b = rows.size(), window = model.config().maxSeqLen();
        int longest = rows.stream().mapToInt(r -> r.prompt.ids().length).max().orElseThrow();
        int capacity = longest + params.maxNewTokens();
        KvCache cache = model.newCache(b, capacity);
        Tensor keyValid = keyValidity(rows, longest, capacity);                                 // [B,S] bool
        Tensor logits = keep(prefill(rows, longest, keyValid, cache));                          // [B,V]
        for (int step = 0; step < params.maxNewTokens(); step++) {
            long[] next;
            try (PointerScope stepScope = new PointerScope()) {
                next = toLongs(chooseAndRecord(rows, logits, params, window));
                logits.close();
                if (rows.stream().allMatch(Row::finished) || step == params.maxNewTokens() - 1) return;
                Tensor ids = longs(next, b, 1);                                                 // [B,1]
                long[] pos = new long[b];
                for (int i = 0; i < b; i++) pos[i] = rows.get(i).prompt.ids().length + step;
                int s = cache.length() + 1;
                Tensor mask = keyValid.narrow(1, 0, s).view(b, 1, 1, s);                        // [B,1,1,S]
                Tensor hidden = model.hidden(ids, longs(pos, b, 1), mask, cache);               // [B,1,D]
                logits = keep(model.logits(hidden.select(1, 0)));                               // [B,V]
            }
        }
    }

    private Tensor prefill(List<Row> rows, int longest, Tensor keyValid, KvCache cache) {
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
    private static Tensor keyValidity(List<Row> rows, int longest, int capacity) {
        long[] valid = new long[rows.size() * capacity];
        for (int i = 0; i < rows.size(); i++) {
            int pad = longest - rows.get(i).prompt.ids().length;
            for (int t = pad; t < capacity; t++) valid[i * capacity + t] = 1;
        }
        return longs(valid, rows.size(), capacity).to(torch.ScalarType.Bool);
    }

    /** Chooses each row's next token, records it on unfinished rows, and returns the ids to feed [B]. */
    private Tensor chooseAndRecord(List<Row> rows, Tensor logits, SamplingParams params, int window) {
        double[] u = new double[rows.size()];
        for (int i = 0; i < u.length; i++) u[i] = rows.get(i).rng.nextDouble();
        Tensor chosen = TokenChooser.choose(logits, doubles(u, u.length), params);              // [B]
        Tensor logp = logits.log_softmax(-1).gather(1, chosen.unsqueeze(1)).squeeze(1);         // [B]
        long[] ids = toLongs(chosen);
        double[] lps = toDoubles(logp);
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            if (r.finished()) continue;
            r.add((int) ids[i], lps[i]);
            if (stopIds.contains((int) ids[i])) r.finish = FinishReason.STOP;
            else if (r.tokens.size() == params.maxNewTokens() || r.prompt.ids().length + r.tokens.size() >= window) {
                r.finish = FinishReason.LENGTH;
            }
        }
        return chosen;
    }

    /** One prompt × sample being decoded. */
    private static final class Row {
        final Prompt prompt;
        final int sampleIndex;
        final long seed;
        final SplittableRandom rng;
        final List<Integer> tokens = new ArrayList<>();
        final List<Double> logps = new ArrayList<>();
        FinishReason finish;

        Row(Prompt prompt, int sampleIndex, long seed) {
            this.prompt = prompt;
            this.sampleIndex = sampleIndex;
            this.seed = seed;
            this.rng = new SplittableRandom(seed);
        }

        boolean finished() { return finish != null; }

        void add(int id, double logp) { tokens.add(id); logps.add(logp); }

        Completion completion() {
            return new Completion(prompt.index(), sampleIndex, tokens.stream().mapToInt(Integer::intValue).toArray(),
                    logps.stream().mapToDouble(Double::doubleValue).toArray(),
                    finish == null ? FinishReason.LENGTH : finish, seed);
        }
    }
}
