package org.jpo.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code jpo demo stories}: the loop on a real pretrained story model (stories260K) with a rule preference: stories
 * that mention a park are preferred. Prompts are story openings, names × first words, so every round draws fresh ones.
 */
public final class StoriesDemo {
    public static final String WORD = "park";
    static final String[] NAMES = {"Lily", "Tom", "Sue", "Max", "Ben", "Anna", "Sam", "Mia", "Tim", "Lucy", "Jack", "Amy"};
    static final String[] OPENINGS = {"Once upon a time, %s", "One day, %s went", "%s was very happy because", "%s saw a big",
            "%s and her mom", "%s liked to play", "Every morning, %s", "%s wanted to go"};

    private StoriesDemo() {}

    /** Writes the prompts and the loop config into {@code dir}; returns the config. */
    public static Path write(Path dir, Path model, Path tokenizer, long seed, int rounds) {
        List<String> rows = new ArrayList<>();
        for (String o : OPENINGS) for (String n : NAMES) rows.add("{\"prompt\": \"" + String.format(o, n) + "\"}");
        String yaml = String.join("\n",
                "output_dir: " + dir.resolve("run"),
                "seed: " + seed,
                "rounds: " + rounds,
                "policy: " + model.toAbsolutePath(),
                tokenizer == null ? "" : "tokenizer: " + tokenizer.toAbsolutePath(),
                "reference: initial",
                "prompts: {file: prompts.jsonl, per_round: 48, eval_fraction: 0.25}",
                "sampling: {n: 8, temperature: 1.0, max_new_tokens: 48}",
                "feedback: [{type: contains, words: [" + WORD + "]}]",
                "pairs: {strategy: best_worst}",
                "train: {loss_type: sigmoid, beta: 0.5, learning_rate: 5.0e-4, lr_scheduler_type: constant, num_train_epochs: 1,"
                        + " per_device_train_batch_size: 8, max_length: 128, max_prompt_length: 64}",
                "eval: {samples: 4}",
                "");
        try {
            Files.createDirectories(dir);
            Files.write(dir.resolve("prompts.jsonl"), rows);
            return Files.writeString(dir.resolve("loop.yaml"), yaml);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir + ": " + e.getMessage(), e);
        }
    }
}
