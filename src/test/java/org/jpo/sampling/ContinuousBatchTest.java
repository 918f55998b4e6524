package org.jpo.sampling;

import org.jpo.model.Checkpoints;
import org.jpo.model.Transformer;
import org.jpo.testing.Shared;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Continuous batching on stories260K (real weights, so attention matters): few slots, prompts of uneven lengths,
 * rows of uneven budgets and mixed choices; every row must get the tokens it gets decoded alone.
 */
class ContinuousBatchTest {
    static final Set<Integer> STOPS = Set.of(1, 2);
    static Transformer model;
    /** Ends a row at about one token in 13, as a stop string would: rows finish at uneven steps. */
    static final LocalSampler.TokenListener STOP_SOME = (id, logp) -> id % 13 != 0;

    @BeforeAll static void load() { model = Checkpoints.load(Shared.stories260K()); }

    @AfterAll static void free() { model.close(); }

    /** 6 prompts × 3 samples; lengths 1..13 tokens, 3..40 new tokens, three choices interleaved, listener stops. */
    static List<LocalSampler.Job> jobs() {
        SplittableRandom rng = new SplittableRandom(5);
        int[] lengths = {1, 13, 4, 9, 2, 6};
        Choice[] choices = {new Choice(1.0, 0, 1.0, false), Choice.GREEDY, new Choice(0.8, 20, 0.9, false)};
        List<int[]> prompts = new ArrayList<>();
        for (int length : lengths) {
            int[] ids = rng.ints(length, 3, 512).toArray();
            ids[0] = 1;   // BOS, as the stories were trained
            prompts.add(ids);
        }
        // sample-major order: rows admitted together have different prompts, so their prefill is left-padded
        List<LocalSampler.Job> jobs = new ArrayList<>();
        for (int j = 0; j < 3; j++) {
            for (int p = 0; p < lengths.length; p++) {
                var row = new LocalSampler.Row(new Prompt(p, prompts.get(p)), j, 100L * p + j, 3 + rng.nextInt(38), STOP_SOME);
                jobs.add(new LocalSampler.Job(row, choices[(p + j) % 3]));
            }
        }
        return jobs;
    }

    /** Runs {@code jobs} through a continuous batch of {@code slots}, handing out at most two rows per step. */
    static List<Completion> batched(List<LocalSampler.Job> jobs, int slots) {
        Completion[] out = new Completion[jobs.size()];
        int[] next = {0};
        new LocalSampler(model, STOPS, slots).run(new LocalSampler.Feed() {
            @Override public List<LocalSampler.Job> take(int max) {
                List<LocalSampler.Job> some = new ArrayList<>();
                while (some.size() < Math.min(max, 2) && next[0] < jobs.size()) some.add(jobs.get(next[0]++));
                return some;
            }

            @Override public void done(LocalSampler.Job job, Completion c) { out[jobs.indexOf(job)] = c; }
        }, 4);
        return List.of(out);
    }

    @Test void fewSlotsGiveEachRowItsAloneTokens() {
        List<LocalSampler.Job> jobs = jobs();
        List<Completion> got = batched(jobs, 3);
        double maxDiff = 0;
        int refilled = 0, stopped = 0;
        for (int i = 0; i < jobs.size(); i++) {
            LocalSampler.Job j = jobs.get(i);
            Completion alone = new LocalSampler(model, STOPS, 1).generate(List.of(j.row()), j.choice()).get(0);
            assertArrayEquals(alone.tokenIds(), got.get(i).tokenIds(), "row " + i);
            assertEquals(alone.finish(), got.get(i).finish(), "row " + i);
            for (int t = 0; t < alone.tokenLogps().length; t++) {
                maxDiff = Math.max(maxDiff, Math.abs(alone.tokenLogps()[t] - got.get(i).tokenLogps()[t]));
            }
            if (i >= 3) refilled++;
            if (alone.finish() == FinishReason.STOP) stopped++;
        }
        System.out.printf("continuous batch of 3 slots vs alone: max |Δ logp| = %.3g over %d rows (%d refills, %d stopped)%n",
                maxDiff, jobs.size(), refilled, stopped);
        assertTrue(maxDiff < 1e-5, "log-probs differ by " + maxDiff);   // measured 5.3e-6 and 8.6e-6: batch shapes only
        assertTrue(stopped > 0 && stopped < jobs.size(), "the test wants rows of uneven lengths: " + stopped + " stopped");
    }

    @Test void theSlotCountDoesNotChangeTokens() {
        List<LocalSampler.Job> jobs = jobs();
        List<Completion> one = batched(jobs, 1), many = batched(jobs, 32);
        for (int i = 0; i < jobs.size(); i++) assertArrayEquals(one.get(i).tokenIds(), many.get(i).tokenIds(), "row " + i);
    }

    /** Two decode workers, each with every other row on its own thread, give every row its one-worker tokens. */
    @Test void twoDecodeWorkersGiveEachRowItsOneWorkerTokens() {
        List<LocalSampler.Row> rows = jobs().stream().map(LocalSampler.Job::row).toList();
        Choice choice = new Choice(1.0, 0, 1.0, false);
        int before = org.bytedeco.pytorch.global.torch.get_num_threads();
        List<Completion> one, two;
        try {
            org.bytedeco.pytorch.global.torch.set_num_threads(1);
            assertEquals(1, LocalSampler.workers(rows.size()));
            one = new LocalSampler(model, STOPS, 6).generate(rows, choice);
            org.bytedeco.pytorch.global.torch.set_num_threads(2);
            assertEquals(2, LocalSampler.workers(rows.size()), "18 rows on 2 threads: 2 workers of 9 rows");
            two = new LocalSampler(model, STOPS, 6).generate(rows, choice);
            assertEquals(2, org.bytedeco.pytorch.global.torch.get_num_threads(), "the workers' one-thread pools are restored");
        } finally {
            org.bytedeco.pytorch.global.torch.set_num_threads(before);
        }
        assertEquals(before, org.bytedeco.pytorch.global.torch.get_num_threads());
        for (int i = 0; i < rows.size(); i++) {
            assertArrayEquals(one.get(i).tokenIds(), two.get(i).tokenIds(), "row " + i);
            assertEquals(rows.get(i).seed(), two.get(i).seed(), "row " + i + " in its place");
        }
    }
}
