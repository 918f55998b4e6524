package org.jpo.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import org.jpo.UserError;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A HF {@code tokenizer.json} run by the Rust tokenizers library through DJL
 * ({@code ai.djl.huggingface:tokenizers}); every model kind and pipeline stage the library supports.
 * Special-token ids come from the neighbouring config files ({@link SpecialIds}), the vocabulary size
 * from the JSON itself ({@link HfVocab}). Holds a native handle: close it.
 */
public final class HfTokenizer implements Tokenizer {
    static {
        // before any DJL class runs: otherwise DJL phones home (EC2 metadata) and may try downloads
        System.setProperty("ai.djl.offline", "true");
    }

    /** DJL pads, and truncates at 512 tokens, unless told otherwise; we want the text's ids, all of them. */
    private static final Map<String, String> OPTIONS = Map.of(
            "truncation", "false", "padding", "false", "maxLength", String.valueOf(Integer.MAX_VALUE));

    private final Path file;
    private final HuggingFaceTokenizer hf;
    private final HfVocab vocab;
    private final SpecialIds special;

    private HfTokenizer(Path file, HuggingFaceTokenizer hf, HfVocab vocab, SpecialIds special) {
        this.file = file;
        this.hf = hf;
        this.vocab = vocab;
        this.special = special;
    }

    /** Loads a {@code tokenizer.json} (and the config files next to it); bad files are a {@link UserError}. */
    public static HfTokenizer load(Path tokenizerJson) {
        HfVocab vocab = HfVocab.read(tokenizerJson);
        SpecialIds special = SpecialIds.read(tokenizerJson, vocab);
        return new HfTokenizer(tokenizerJson, open(tokenizerJson), vocab, special);
    }

    private static HuggingFaceTokenizer open(Path file) {
        try {
            return HuggingFaceTokenizer.newInstance(file, OPTIONS);
        } catch (IOException | RuntimeException e) {
            throw new UserError(file + ": not a tokenizer the HF tokenizers library can load: " + e.getMessage(), e);
        }
    }

    @Override public int[] encode(String text, boolean addSpecialTokens) {
        long[] ids = hf.encode(text, addSpecialTokens, false).getIds();
        return Arrays.stream(ids).mapToInt(Math::toIntExact).toArray();
    }

    /**
     * Skips the added tokens marked special, and BOS/EOS/pad even if they are not marked so. Ids outside the
     * vocabulary are refused (the library would silently drop them).
     */
    @Override public String decode(int[] ids) {
        for (int id : ids) {
            if (id < 0 || !vocab.present().get(id)) {
                throw new IllegalArgumentException("token id " + id + " is not in the vocabulary of " + file);
            }
        }
        long[] kept = Arrays.stream(ids).filter(id -> !isSpecial(id)).asLongStream().toArray();
        return hf.decode(kept, true);
    }

    private boolean isSpecial(int id) {
        return is(special.bos(), id) || is(special.eos(), id) || is(special.pad(), id);
    }

    private static boolean is(OptionalInt special, int id) {
        return special.isPresent() && special.getAsInt() == id;
    }

    @Override public OptionalInt bosId() { return special.bos(); }

    @Override public OptionalInt eosId() { return special.eos(); }

    @Override public int padId() {
        return special.pad().orElse(special.eos().orElse(0));
    }

    /** Largest id in the model vocabulary and the added tokens, plus one. */
    @Override public int vocabSize() { return vocab.size(); }

    @Override public void close() { hf.close(); }

    @Override public String toString() { return "HF tokenizer " + file; }
}
