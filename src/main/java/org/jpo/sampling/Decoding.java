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

    void add(int id, double logp) { tokens.add(id); logps.add(logp); }

    Completion completion() {
        LocalSampler.Row row = job.row();
        return new Completion(row.prompt().index(), row.sampleIndex(), tokens.stream().mapToInt(Integer::intValue).toArray(),
                logps.stream().mapToDouble(Double::doubleValue).toArray(), finish == null ? FinishReason.LENGTH : finish,
                row.seed());
    }
}
