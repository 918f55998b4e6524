package org.jpo.tokenizer;

import org.jpo.UserError;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Finds a model's tokenizer. An explicit tokenizer path wins ({@code *.json}: HF, anything else: llama2.c);
 * otherwise an HF model directory's {@code tokenizer.json}, else its {@code tokenizer.bin} (a llama2.c
 * tokenizer our converter carries along). A model given as a llama2.c {@code .bin} file has no tokenizer of
 * its own. A model without a tokenizer still loads; commands that need text call {@link #require}.
 */
public final class Tokenizers {
    static final String HF_FILE = "tokenizer.json";
    static final String LLAMA2C_FILE = "tokenizer.bin";

    private Tokenizers() {}

    /** The tokenizer for {@code model}, or empty if it has none; a named but unreadable file is a {@link UserError}. */
    public static Optional<Tokenizer> find(Path model, Optional<Path> tokenizer) {
        if (!Files.exists(model)) throw new UserError("model not found: " + model);
        if (tokenizer.isPresent()) return Optional.of(open(tokenizer.get()));
        return Files.isDirectory(model) ? inDirectory(model) : Optional.empty();
    }

    /** Like {@link #find}, but a model without a tokenizer is a {@link UserError} saying what was looked for. */
    public static Tokenizer require(Path model, Optional<Path> tokenizer) {
        return find(model, tokenizer).orElseThrow(() -> new UserError(Files.isDirectory(model)
                ? "model " + model + " has no tokenizer: looked for " + model.resolve(HF_FILE) + " and "
                        + model.resolve(LLAMA2C_FILE) + "; name one with --tokenizer"
                : "model " + model + " is a llama2.c weights file, which carries no tokenizer; name one with"
                        + " --tokenizer (a tokenizer.json or a llama2.c tokenizer .bin)"));
    }

    /** A tokenizer file ({@code *.json}: HF, otherwise llama2.c), or a directory holding one. */
    public static Tokenizer open(Path path) {
        if (Files.isDirectory(path)) {
            return inDirectory(path).orElseThrow(() -> new UserError("tokenizer directory " + path
                    + " holds neither " + HF_FILE + " nor " + LLAMA2C_FILE));
        }
        if (!Files.isRegularFile(path)) throw new UserError("tokenizer file not found: " + path);
        boolean json = path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json");
        return json ? HfTokenizer.load(path) : Llama2cTokenizer.load(path);
    }

    /**
     * {@code t} (from {@code source}) covers exactly the {@code vocab} ids of {@code model}: a larger tokenizer makes ids
     * the model has no row for, a smaller one cannot decode some ids the model samples.
     */
    public static void requireSameVocab(Tokenizer t, int vocab, String source, Path model) {
        if (t.vocabSize() != vocab) {
            throw new UserError("tokenizer " + (source.isEmpty() ? "" : source + " ") + "has " + t.vocabSize() + " tokens but the model " + model
                    + " has a vocabulary of " + vocab);
        }
    }

    private static Optional<Tokenizer> inDirectory(Path dir) {
        Path hf = dir.resolve(HF_FILE);
        if (Files.isRegularFile(hf)) return Optional.of(HfTokenizer.load(hf));
        Path llama2c = dir.resolve(LLAMA2C_FILE);
        if (Files.isRegularFile(llama2c)) return Optional.of(Llama2cTokenizer.load(llama2c));
        return Optional.empty();
    }
}
