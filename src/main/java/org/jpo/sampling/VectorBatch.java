package org.jpo.sampling;

import org.jpo.UserError;
import org.jpo.model.VectorLlama;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@link ContinuousBatch} on the {@link VectorLlama} decoder: the same rows, seeds, choices and feed, with no native
 * call per token. Each row owns its cache, so a finished row simply leaves the step and a new one joins with its
 * prompt's keys copied in; nothing is padded, grown or shrunk.
 */
final class VectorBatch {
    private final VectorLlama model;
    private final Set<Integer> stopIds;
    private final int maxRows, window, vocab;
    private final LocalSampler.Feed feed;
    private final LocalSampler.Stats stats;
    private final VectorLlama.Workspace workspace = new VectorLlama.Workspace();
    private final List<Row> rows = new ArrayList<>();

    /** A row being decoded: its cache, the logits of its next token, and the token it feeds next. */
    private static final class Row {
        final Decoding decoding;
        final VectorLlama.Cache cache;
        final float[] logits;
        int fed;

        Row(Decoding decoding, VectorLlama.Cache cache, float[] logits) {
            this.decoding = decoding;
            this.cache = cache;
            this.logits = logits;
        }

        int length() { return decoding.prompt().ids().length + decoding.tokens.size(); }
    }

    VectorBatch(VectorLlama model, Set<Integer> stopIds, int maxRows, LocalSampler.Feed feed, LocalSampler.Stats stats) {
        this.model = model;
        this.stopIds = stopIds;
        this.maxRows = maxRows;
        this.window = model.config().contextLimit();
        this.vocab = model.config().vocabSize();
        this.feed = feed;
        this.stats = stats;
    }

    /** Decodes until the feed has nothing and every row finished. */
    void run() {
        while (true) {
            admit();
            if (rows.isEmpty()) return;
            choose();
            if (rows.isEmpty()) continue;
            step();
        }
    }

    /** Takes rows from the feed up to maxRows and prefills each distinct prompt once. */
    private void admit() {
        if (rows.size() == maxRows) return;
        List<LocalSampler.Job> jobs = feed.take(maxRows - rows.size());
        if (jobs.isEmpty()) return;
        Map<String, Integer> distinct = new LinkedHashMap<>();
        List<int[]> prompts = new ArrayList<>();
        int[] of = new int[jobs.size()];
        for (int i = 0; i < jobs.size(); i++) {
            int[] ids = jobs.get(i).row().prompt().ids();
            if (ids.length >= window) {
                throw new UserError("prompt " + jobs.get(i).row().prompt().index() + " has " + ids.length
                        + " tokens; the context window is " + window + " (no room to generate)");
            }
            of[i] = distinct.computeIfAbsent(Arrays.toString(ids), k -> { prompts.add(ids); return prompts.size() - 1; });
        }
        VectorLlama.Cache[] prefilled = new VectorLlama.Cache[prompts.size()];
        float[][] first = new float[prompts.size()][];
        prefill(prompts, prefilled, first);
        for (int i = 0; i < jobs.size(); i++) {
            LocalSampler.Job job = jobs.get(i);
            int promptLength = job.row().prompt().ids().length;
            VectorLlama.Cache cache = model.newCache(Math.min(window, promptLength + job.row().maxNewTokens()));
            cache.copyFrom(prefilled[of[i]], promptLength, model.config());
            rows.add(new Row(new Decoding(job), cache, first[of[i]].clone()));
        }
    }

    /** One forward over every token of the prompts; the logits after each prompt's last token. */
    private void prefill(List<int[]> prompts, VectorLlama.Cache[] caches, float[][] first) {
        int n = prompts.stream().mapToInt(p -> p.length).sum(), j = 0;
        int[] ids = new int[n], pos = new int[n];
        VectorLlama.Cache[] of = new VectorLlama.Cache[n];
        float[][] logits = new float[n][];
        for (int p = 0; p < prompts.size(); p++) {
            int[] prompt = prompts.get(p);
            caches[p] = model.newCache(prompt.length);
            first[p] = new float[vocab];
            for (int t = 0; t < prompt.length; t++, j++) {
                ids[j] = prompt[t];
                pos[j] = t;
                of[j] = caches[p];
                if (t == prompt.length - 1) logits[j] = first[p];
            }
        }
        model.forward(ids, pos, of, logits, workspace);
    }

    /** Picks every row's next token from its own stream, records it, and drops the rows that finished. */
    private void choose() {
        for (var it = rows.iterator(); it.hasNext(); ) {
            Row r = it.next();
            double u = r.decoding.rng.nextDouble();   // drawn for greedy rows too, as ContinuousBatch does
            int id = TokenChooser.choose(r.logits, u, r.decoding.job.choice());
            r.fed = id;
            if (record(r.decoding, id, TokenChooser.logProb(r.logits, id))) it.remove();
        }
    }

    /** Appends a token to a row; true when that finished the row (its completion is handed to the feed). */
    private boolean record(Decoding r, int id, double logp) {
        if (!r.append(id, logp, stopIds, window)) return false;
        feed.done(r.job, r.completion());
        return true;
    }

    /** One decode step: every row feeds its last token at its own position. */
    private void step() {
        int b = rows.size();
        int[] ids = new int[b], pos = new int[b];
        VectorLlama.Cache[] caches = new VectorLlama.Cache[b];
        float[][] logits = new float[b][];
        for (int i = 0; i < b; i++) {
            Row r = rows.get(i);
            ids[i] = r.fed;
            pos[i] = r.length() - 1;
            caches[i] = r.cache;
            logits[i] = r.logits;
        }
        model.forward(ids, pos, caches, logits, workspace);
        stats.step();
    }
}
