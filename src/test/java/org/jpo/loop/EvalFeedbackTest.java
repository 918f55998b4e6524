package org.jpo.loop;

import org.jpo.io.Jsonl;
import org.jpo.sampling.SampleRow;
import org.jpo.testing.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code eval.feedback}: the rounds train on one feedback and the evaluation scores with another (ScPO's recipe: votes
 * to train, gold answers to grade); without it, the evaluation reads the training feedback as before.
 */
class EvalFeedbackTest {
    @TempDir Path tmp;

    @Test void theEvaluationScoresWithItsOwnScorers() throws Exception {
        Path yaml = LoopFixtures.storiesConfig(tmp);
        Files.writeString(yaml, Files.readString(yaml).replace("eval: {samples: 2}", "eval: {samples: 2, feedback: [{type: contains, words: [the]}]}"));
        Cli.Result r = Cli.run("--threads", "1", "run", yaml.toString(), "rounds=1");
        assertEquals(0, r.exit(), r.toString());
        Path out = tmp.resolve("out");
        assertEquals(Set.of("contains:park"), scorers(out.resolve("round-001/samples.jsonl")));
        for (String f : List.of("round-000/eval_samples.jsonl", "round-001/eval_samples.jsonl")) {
            assertEquals(Set.of("contains:the"), scorers(out.resolve(f)), f);
        }
        // resumed as written: the config is the same
        Cli.Result again = Cli.run("--threads", "1", "run", yaml.toString(), "rounds=1", "--resume");
        assertEquals(0, again.exit(), again.toString());
        assertTrue(again.out().contains("finished: all 1 rounds are done"), again.toString());
    }

    private static Set<String> scorers(Path f) {
        return Jsonl.read(f, SampleRow.class).stream().flatMap(x -> x.scoring().scores().keySet().stream()).collect(Collectors.toSet());
    }
}
