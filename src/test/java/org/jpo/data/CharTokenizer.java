package org.jpo.data;

import org.jpo.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * A tokenizer whose ids can be worked out by hand: one id per character, its code point; the texts
 * {@code "<s>"} and {@code "</s>"} are BOS (1) and EOS (2). With {@code bos == false} it has no BOS, like
 * GPT-2's. Characters never merge, so a completion's ids are its characters' code points.
 */
final class CharTokenizer implements Tokenizer {
    static final int BOS = 1;
    static final int EOS = 2;
    private final boolean bos;

    CharTokenizer(boolean bos) { this.bos = bos; }

    /** Ids from parts: an Integer is itself, a String is its characters' code points. */
    static int[] ids(Object... parts) {
        List<Integer> out = new ArrayList<>();
        for (Object p : parts) {
            if (p instanceof Integer i) out.add(i);
            else ((String) p).codePoints().forEach(out::add);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override public int[] encode(String text, boolean addSpecialTokens) {
        List<Integer> out = new ArrayList<>();
        if (addSpecialTokens && bos) out.add(BOS);
        for (int i = 0; i < text.length(); ) {
            if (text.startsWith("<s>", i)) { out.add(BOS); i += 3; continue; }
            if (text.startsWith("</s>", i)) { out.add(EOS); i += 4; continue; }
            int cp = text.codePointAt(i);
            out.add(cp);
            i += Character.charCount(cp);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override public String decode(int[] ids) {
        StringBuilder b = new StringBuilder();
        for (int id : ids) if (id != BOS && id != EOS) b.appendCodePoint(id);
        return b.toString();
    }

    @Override public OptionalInt bosId() { return bos ? OptionalInt.of(BOS) : OptionalInt.empty(); }

    @Override public OptionalInt eosId() { return OptionalInt.of(EOS); }

    @Override public int padId() { return 0; }

    @Override public int vocabSize() { return Character.MAX_CODE_POINT + 1; }
}
