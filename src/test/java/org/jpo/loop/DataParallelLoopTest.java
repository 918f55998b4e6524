package org.jpo.loop;

import org.jpo.io.Jsonl;
import org.jpo.sampling.SampleRow;
import org.jpo.testing.Cli;
import org.jpo.testing.Ranks;
import org.jpo.testing.Tree;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code jpo run} on two ranks: each samples, scores and evaluates its half of the prompts, rank 0 writes. Samples are
 * seeded per (run seed, round, prompt, sample) and decoding is batch-invariant here, so the files equal one process's.
 */
class DataParallelLoopTest {
    @TempDir Path tmp;

    /** Anchored pairs: the policy's samples of every prompt, then the initial policy's, which the ranks gather apart. */
    @Test void aRoundOnTwoRanksSamplesAndScoresWhatOneProcessDoes() throws Exception {
        Path yaml = LoopFixtures.storiesConfig(tmp);
        Path one = tmp.resolve("one"), two = tmp.resolve("two");
        // the same global batch of 4 pairs: per_device 4 on one process, 2 on each of two
        Cli.Result r = Cli.run("--threads", "1", "run", yaml.toString(), "rounds=1", "output_dir=" + one, "train.per_device_train_batch_size=4",
                "pairs.strategy=anchored");
        assertEquals(0, r.exit(), r.toString());
        Ranks ranks = Ranks.start(tmp.resolve("ranks"), 2, "run", yaml.toString(), "rounds=1", "output_dir=" + two, "pairs.strategy=anchored");
        assertEquals(List.of(0, 0), ranks.exits(180), ranks.logs());

        for (String f : List.of("round-000/eval_samples.jsonl", "round-001/samples.jsonl")) {
            assertEquals(completions(one.resolve(f)), completions(two.resolve(f)), f);
        }
        assertEquals(java.nio.file.Files.readString(one.resolve("round-001/pairs.jsonl")), java.nio.file.Files.readString(two.resolve("round-001/pairs.jsonl")));
        // after training on float sums of other shapes (weights within ~1e-4): measured 18 of 18 eval completions the same,
        // here and with best_worst pairs; deterministic on one machine, so asserted whole
        List<List<Integer>> a = completions(one.resolve("round-001/eval_samples.jsonl")), b = completions(two.resolve("round-001/eval_samples.jsonl"));
        assertEquals(a, b, "eval completions after training");
        // rank 0 wrote what one process writes; rank 1 nothing more
        assertEquals(Tree.snapshot(one).keySet(), Tree.snapshot(two).keySet());
    }

    private static List<List<Integer>> completions(Path f) {
        return Jsonl.read(f, SampleRow.class).stream().map(x -> java.util.Arrays.stream(x.completionIds()).boxed().toList()).toList();
    }
}
