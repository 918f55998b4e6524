package org.jpo.loop;

import org.jpo.testing.Shared;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Small loops on stories260K with the "mentions a park" rule, sized to run in seconds. */
final class LoopFixtures {
    private LoopFixtures() {}

    static final String[] NAMES = {"Lily", "Tom", "Sue", "Max", "Ben", "Anna", "Sam", "Mia", "Tim", "Lucy"};
    static final String[] OPENINGS = {"Once upon a time, %s wanted to", "One day, %s went to the", "%s was very happy because",
            "%s saw a big"};

    /** 40 story openings as prompt rows, {@code extra} fields added to each (e.g. ", \"answer\": 1"). */
    static Path prompts(Path dir, String extra) throws IOException {
        List<String> rows = new ArrayList<>();
        for (String o : OPENINGS) for (String n : NAMES) rows.add("{\"prompt\": \"" + String.format(o, n) + "\"" + extra + "}");
        return Files.write(dir.resolve("prompts.jsonl"), rows);
    }

    /**
     * A two-round loop: 12 prompts a round, 4 samples of up to 24 tokens, best_worst on "park", one epoch of DPO at
     * batch 2; 6 eval prompts. {@code extra} lines are appended (a later key wins: none repeats one above).
     */
    static Path storiesConfig(Path dir, String... extra) throws IOException {
        prompts(dir, "");
        String yaml = "output_dir: out\nseed: 3\nrounds: 2\npolicy: " + Shared.stories260K() + "\ntokenizer: " + Shared.tok512() + "\n"
                + "prompts: {file: prompts.jsonl, per_round: 12, eval_fraction: 0.15}\n"
                + "sampling: {n: 4, max_new_tokens: 24, batch_size: 16}\n"
                + "feedback: [{type: contains, words: [park]}]\n"
                + "eval: {samples: 2}\n"
                + "train:\n  loss_type: sigmoid\n  beta: 0.1\n  learning_rate: 1.0e-3\n  num_train_epochs: 2\n"
                + "  per_device_train_batch_size: 2\n  max_length: 64\n  max_prompt_length: 32\n  logging_steps: 1\n"
                + String.join("", List.of(extra).stream().map(l -> "  " + l + "\n").toList());
        return Files.writeString(dir.resolve("loop.yaml"), yaml);
    }
}
