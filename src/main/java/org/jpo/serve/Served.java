package org.jpo.serve;

import org.jpo.UserError;
import org.jpo.model.Checkpoints;
import org.jpo.model.Transformer;
import org.jpo.sampling.LocalSampler;
import org.jpo.tokenizer.ChatTemplate;
import org.jpo.tokenizer.Tokenizer;
import org.jpo.tokenizer.Tokenizers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * The checkpoint being served: weights, tokenizer, stop ids and chat template. Owns the weights and the
 * tokenizer; the {@link Engine} owns the Served and closes it when it is replaced or the server stops.
 *
 * @param tokenizerSource the file or directory the tokenizer was read from (a later load without its own
 *                        tokenizer keeps using it)
 */
record Served(Path path, Path tokenizerSource, Transformer model, Tokenizer tokenizer, Set<Integer> stopIds,
              Optional<ChatTemplate> template, String checksum) implements AutoCloseable {

    /**
     * Loads {@code model}; its tokenizer is {@code tokenizer}, else the model directory's, else {@code fallback}
     * (the previous checkpoint's). The chat template is {@code chatTemplate}'s, else the model's own, if any.
     */
    static Served load(Path model, Optional<Path> tokenizer, Optional<Path> fallback, Optional<Path> chatTemplate) {
        Optional<ChatTemplate> template = chatTemplate.isPresent() ? Optional.of(template(chatTemplate.get())) : ChatTemplate.load(model);
        Transformer m = Checkpoints.load(model);
        try {
            Path source = tokenizerSource(model, tokenizer, fallback);
            Tokenizer t = Tokenizers.open(source);
            try {
                Tokenizers.requireSameVocab(t, m.config().vocabSize(), source.toString(), model);
            } catch (UserError e) {
                t.close();
                throw e;
            }
            return new Served(model, source, m, t, LocalSampler.stopIds(m, t), template, m.checksum());
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** The tokenizer named, else the model directory's, else the fallback; none of them is a {@link UserError}. */
    private static Path tokenizerSource(Path model, Optional<Path> tokenizer, Optional<Path> fallback) {
        if (tokenizer.isPresent()) return tokenizer.get();
        Optional<Tokenizer> own = Tokenizers.find(model, Optional.empty());
        own.ifPresent(Tokenizer::close);
        if (own.isPresent()) return model;
        if (fallback.isPresent()) return fallback.get();
        Tokenizers.require(model, Optional.empty()).close();   // throws, saying what was looked for
        return model;
    }

    /** {@code --chat-template}: a Jinja file (any name), or what {@link ChatTemplate#load} reads. */
    static ChatTemplate template(Path file) {
        String name = file.getFileName().toString();
        if (Files.isDirectory(file) || name.endsWith(".jinja") || name.endsWith(".json")) {
            return ChatTemplate.load(file).orElseThrow(() -> new UserError(file + " holds no chat template"));
        }
        try {
            return ChatTemplate.of(Files.readString(file), file.toString(), Optional.empty(), Optional.empty());
        } catch (IOException e) {
            throw new UserError("cannot read chat template " + file + ": " + e.getMessage(), e);
        }
    }

    int window() { return model.config().contextLimit(); }

    @Override public void close() {
        tokenizer.close();
        model.close();
    }
}
