package org.jpo.cli;

import org.jpo.UserError;
import org.jpo.model.Checkpoints;
import org.jpo.model.Transformer;
import org.jpo.sampling.LocalSampler;
import org.jpo.tokenizer.Tokenizer;
import org.jpo.tokenizer.Tokenizers;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/** {@code --model} and {@code --tokenizer}, shared by the commands that run a model. */
final class ModelOptions {
    @Option(names = "--model", required = true, paramLabel = "M",
            description = "HF model directory (config.json + *.safetensors) or llama2.c weights .bin")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "T",
            description = "Tokenizer file: tokenizer.json or a llama2.c tokenizer .bin (default: the one in the model directory)")
    Path tokenizer;

    Transformer loadModel() { return Checkpoints.load(model); }

    /** The tokenizer, checked against the model's vocabulary. */
    Tokenizer loadTokenizer(Transformer m) {
        Tokenizer t = Tokenizers.require(model, Optional.ofNullable(tokenizer));
        try {
            Tokenizers.requireSameVocab(t, m.config().vocabSize(), tokenizer != null ? tokenizer.toString() : "", model);
        } catch (UserError e) {
            t.close();
            throw e;
        }
        return t;
    }

    static Set<Integer> stopIds(Transformer m, Tokenizer t) { return LocalSampler.stopIds(m, t); }

    /** Prompt text → ids with the model's special-token convention; "" means start from BOS. */
    static int[] promptIds(Tokenizer t, Transformer m, String text) {
        int[] ids = t.encode(text, true);
        if (ids.length > 0) return ids;
        int bos = t.bosId().orElse(m.config().bosId().orElse(-1));
        if (bos < 0) throw new UserError("empty prompt, and neither the tokenizer nor the model config names a BOS token");
        return new int[] {bos};
    }
}
