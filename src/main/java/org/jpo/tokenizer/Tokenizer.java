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

    /**
     * Text of {@code ids} as a continuation of {@code prefix}: decode(prefix + ids) minus decode(prefix).
     * Tokenizers whose pieces carry a leading space (SentencePiece, llama2.c) decode the first piece
     * differently at the start of a text than after a prefix; this gives the text the prefix is followed by.
     */
    default String decodeContinuation(int[] prefix, int[] ids) {
        int[] all = java.util.Arrays.copyOf(prefix, prefix.length + ids.length);
        System.arraycopy(ids, 0, all, prefix.length, ids.length);
        String full = decode(all), head = decode(prefix);
        return full.startsWith(head) ? full.substring(head.length()) : decode(ids);
    }

    /**
     * The ids {@code completion} adds after {@code prompt} when the two are tokenized together: the suffix of
     * encode(prompt + completion) after its longest common prefix with {@code promptIds} (TRL's
     * {@code build_tokenized_answer}). Encoding the completion alone goes wrong for SentencePiece and llama2.c
     * tokenizers, which add a dummy-prefix space to every text and merge across the boundary.
     */
    default int[] encodeContinuation(String prompt, int[] promptIds, String completion, boolean addSpecialTokens) {
        int[] joint = encode(prompt + completion, addSpecialTokens);
        int shared = 0;
        while (shared < joint.length && shared < promptIds.length && joint[shared] == promptIds[shared]) shared++;
        return java.util.Arrays.copyOfRange(joint, shared, joint.length);
    }

    OptionalInt bosId();

    OptionalInt eosId();

    /** Pad id: the tokenizer's pad token, else EOS, else 0. */
    int padId();

    int vocabSize();

    /** Frees native memory, if any; a no-op for pure-Java tokenizers. */
    @Override default void close() {}
}
