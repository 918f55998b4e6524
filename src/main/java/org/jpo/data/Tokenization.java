package org.jpo.data;

import org.jpo.tokenizer.Tokenizer;

import java.util.Arrays;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Texts → token ids, the way TRL's DPO trainer tokenized rows ({@code build_tokenized_answer}): a completion
 * is tokenized jointly with its prompt and keeps the ids after their common prefix with the prompt's own ids.
 * Tokenizing it alone would go wrong for SentencePiece and llama2.c tokenizers, which add a dummy-prefix
 * space to every text they encode and merge characters across the prompt/completion boundary.
 *
 * <p>BOS: the prompt is encoded with the tokenizer's special tokens unless its text already starts with the
 * BOS text (chat templates such as Llama-3's write it), so there is one BOS either way. EOS: appended to
 * every completion when the tokenizer has one, unless the completion already ends with it (TRL's
 * {@code add_eos_token_if_needed}).
 */
final class Tokenization {
    private final Tokenizer tok;
    private final Optional<String> bosText;

    Tokenization(Tokenizer tok, Optional<String> bosText) {
        this.tok = tok;
        this.bosText = bosText.filter(t -> !t.isEmpty());
    }

    int[] prompt(String text) {
        return tok.encode(text, addSpecialTokens(text));
    }

    /** The ids {@code completion} adds after {@code prompt} (whose ids are {@code promptIds}), then EOS. */
    int[] completion(String prompt, int[] promptIds, String completion) {
        return withEos(tok.encodeContinuation(prompt, promptIds, completion, addSpecialTokens(prompt + completion)));
    }

    private boolean addSpecialTokens(String text) {
        return bosText.map(b -> !text.startsWith(b)).orElse(true);
    }

    private int[] withEos(int[] ids) {
        OptionalInt eos = tok.eosId();
        if (eos.isEmpty() || ids.length > 0 && ids[ids.length - 1] == eos.getAsInt()) return ids;
        int[] out = Arrays.copyOf(ids, ids.length + 1);
        out[ids.length] = eos.getAsInt();
        return out;
    }

    OptionalInt bosId() { return tok.bosId(); }

    /** A prompt and its completions after {@link #truncate}, and what was cut. */
    record Truncated(int[] prompt, int[][] completions, boolean promptCut, int completionsCut) {}

    /**
     * Fits prompt + the longest completion into {@code maxLength}. If it does not fit, the prompt keeps its
     * last {@code maxPromptLength} tokens (TRL's keep_end; a leading BOS is kept and counts as one of them,
     * since the model was trained with it), then every completion longer than what is left keeps its start
     * (a cut completion loses its EOS: it did not end there).
     */
    static Truncated truncate(int[] prompt, int[][] completions, int maxLength, int maxPromptLength, OptionalInt bos) {
        int longest = Arrays.stream(completions).mapToInt(c -> c.length).max().orElse(0);
        if (prompt.length + longest <= maxLength) return new Truncated(prompt, completions, false, 0);
        boolean promptCut = prompt.length > maxPromptLength;
        int[] p = promptCut ? keepEnd(prompt, maxPromptLength, bos) : prompt;
        int room = maxLength - p.length;
        int cut = 0;
        int[][] c = new int[completions.length][];
        for (int i = 0; i < c.length; i++) {
            c[i] = completions[i].length > room ? Arrays.copyOf(completions[i], room) : completions[i];
            if (c[i] != completions[i]) cut++;
        }
        return new Truncated(p, c, promptCut, cut);
    }

    private static int[] keepEnd(int[] prompt, int keep, OptionalInt bos) {
        boolean keepBos = bos.isPresent() && prompt[0] == bos.getAsInt() && keep > 1;
        int[] out = new int[keep];
        int tail = keepBos ? keep - 1 : keep;
        if (keepBos) out[0] = prompt[0];
        System.arraycopy(prompt, prompt.length - tail, out, keep - tail, tail);
        return out;
    }
}
