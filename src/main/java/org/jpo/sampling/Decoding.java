package org.jpo.sampling;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** One row being decoded: its job, its own random stream and what it has generated so far. */
final class Decoding {
    final LocalSampler.Job job;
    final SplittableRandom rng;
    final List<Integer> tokens = new ArrayList<>();
    final List<Double> logps = new ArrayList<>();
    FinishReason finish;

    Decoding(LocalSampler.Job job) {
        this.job = job;
        this.rng = new SplittableRandom(job.row().seed());
    }

    Prompt prompt() { return job.row().prompt(); }

    /**
     * Appends a token; true when that finished the row: a stop id, the listener said stop, max_new_tokens reached, or
     * the context window full.
     */
    boolean append(int id, double logp, java.util.Set<Integer> stopIds, int window) {
        tokens.add(id);
        logps.add(logp);
        boolean go = job.row().listener().onToken(id, logp);
        if (!go || stopIds.contains(id)) finish = FinishReason.STOP;
        else if (tokens.size() == job.row().maxNewTokens() || prompt().ids().length + tokens.size() >= window) {
            finish = FinishReason.LENGTH;
        }
        return finish != null;
    }

    Completion completion() {
        LocalSampler.Row row = job.row();
        return new Completion(row.prompt().index(), row.sampleIndex(), tokens.stream().mapToInt(Integer::intValue).toArray(),
                logps.stream().mapToDouble(Double::doubleValue).toArray(), finish == null ? FinishReason.LENGTH : finish,
                row.seed());
    }
}
