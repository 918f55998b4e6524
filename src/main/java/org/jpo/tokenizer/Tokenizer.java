package org.jpo.tokenizer;

import java.util.OptionalInt;

/**
 * Text to token ids and back, for one model's vocabulary.
 *
 * <p>Implementations: {@link Llama2cTokenizer} (llama2.c {@code tokenizer.bin}) and {@link HfTokenizer}
 * (HF {@code tokenizer.json}); {@link Tokenizers#find} picks one for a model. A tokenizer may hold native
 * memory (the HF one does), so its owner closes it.
 */
public interface Tokenizer extends AutoCloseable {
    /** Token ids of text; with addSpecialTokens, the model's convention is applied (e.g. BOS prepended). */
    int[] encode(String text, boolean addSpecialTokens);

    /** Text of ids; special tokens (BOS/EOS/PAD/added special) are skipped. */
    String decode(int[] ids);

    OptionalInt bosId();

    OptionalInt eosId();

    /** Pad id: the tokenizer's pad token, else EOS, else 0. */
    int padId();

    int vocabSize();

    /** Frees native memory, if any; a no-op for pure-Java tokenizers. */
    @Override default void close() {}
}
