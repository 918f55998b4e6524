package org.jpo.train;

import org.jpo.UserError;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A scratch layout for config tests: {@code cfg/} holds configs, {@code m/}, {@code data/} and {@code tok/}
 * the input files they point at with relative paths.
 */
final class ConfigFiles {
    /** The four required keys, relative to {@code cfg/}; lines 1–4 of every config built on it. */
    static final String REQUIRED = """
            method: dpo
            model: ../m/model.bin
            train_file: ../data/train.jsonl
            output_dir: ../out
            """;

    final Path root;
    final Path config;

    ConfigFiles(Path root) {
        this.root = root;
        this.config = root.resolve("cfg/config.yaml");
        for (String f : List.of("m/model.bin", "m/ref.bin", "data/train.jsonl", "data/eval.jsonl", "tok/tokenizer.json", "cfg/x")) {
            write(root.resolve(f), "");
        }
    }

    Path path(String relativeToRoot) { return root.resolve(relativeToRoot); }

    TrainConfig load(String yaml, String... overrides) {
        write(config, yaml);
        return TrainConfig.load(config, List.of(overrides));
    }

    /** The message of the {@link UserError} loading {@code yaml} must raise. */
    String error(String yaml, String... overrides) {
        write(config, yaml);
        return assertThrows(UserError.class, () -> TrainConfig.load(config, List.of(overrides))).getMessage();
    }

    static void write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
