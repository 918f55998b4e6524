package org.jpo.feedback;

import org.jpo.UserError;
import org.jpo.tokenizer.Tokenizer;
import org.jpo.tokenizer.Tokenizers;

import java.nio.file.Path;
import java.util.Optional;
import java.util.function.BiFunction;

/** What the scorers over a trained model directory (reward model, preference model) share: opening it with its tokenizer. */
final class ModelScorers {
    private ModelScorers() {}

    /**
     * {@code build(model, tokenizer)} over {@code model}, loaded from {@code dir}, and its tokenizer (the directory's own, or
     * the one named); if anything fails, both are closed.
     *
     * @param what the model's kind in messages, e.g. {@code reward model}
     * @param hint how to name a tokenizer, e.g. {@code --tokenizer}
     */
    static <M extends AutoCloseable, S> S open(Path dir, Optional<Path> tokenizerPath, String what, String hint, M model,
                                               BiFunction<M, Tokenizer, S> build) {
        try {
            Tokenizer tok = Tokenizers.find(dir, tokenizerPath).orElseThrow(() -> new UserError(what + " " + dir
                    + " has no tokenizer (tokenizer.json or tokenizer.bin); name one with " + hint));
            try {
                return build.apply(model, tok);
            } catch (RuntimeException e) {
                tok.close();
                throw e;
            }
        } catch (RuntimeException e) {
            try {
                model.close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** A batch size of at least 1 and a tokenizer whose ids all fit the model's vocabulary. */
    static void check(int batchSize, Tokenizer tokenizer, int modelVocab, String what, String name) {
        if (batchSize < 1) throw new UserError("batch size must be >= 1, got " + batchSize);
        if (tokenizer.vocabSize() > modelVocab) {
            throw new UserError("tokenizer has " + tokenizer.vocabSize() + " tokens but the " + what + " " + name + " has a vocabulary of " + modelVocab);
        }
    }
}
