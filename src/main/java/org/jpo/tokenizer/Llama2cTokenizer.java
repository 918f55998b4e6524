package org.jpo.tokenizer;

import org.jpo.UserError;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.PriorityQueue;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * The llama2.c tokenizer ({@code tokenizer.bin}): a SentencePiece BPE vocabulary with scores, encoded the
 * way karpathy/llama2.c {@code run.c} does (dummy-prefix space, UTF-8 characters, byte fallback, then
 * greedy merges by score).
 *
 * <p>File (little-endian): int32 {@code max_token_length}, then per token float32 score, int32 byte
 * length, the bytes. The number of tokens is not stored: the file holds exactly the vocabulary.
 *
 * <p>Pieces are kept as ISO-8859-1 strings (one char per byte), so joining two strings joins their bytes
 * and any byte sequence is a valid map key.
 */
public final class Llama2cTokenizer implements Tokenizer {
    static final int BOS = 1;
    static final int EOS = 2;
    /** Byte b falls back to token {@code <0xBB>}, id b + 3 (after unk, BOS, EOS). */
    private static final int BYTE_OFFSET = 3;

    private final String[] pieces;
    private final float[] scores;
    private final Map<String, Integer> ids;
    /** What each id writes when decoded: its piece, or the one raw byte of a {@code <0xXX>} token. */
    private final byte[][] output;
    private final int spaceId;

    private Llama2cTokenizer(Path file, String[] pieces, float[] scores) {
        this.pieces = pieces;
        this.scores = scores;
        this.ids = new HashMap<>();
        this.output = new byte[pieces.length][];
        for (int id = 0; id < pieces.length; id++) {
            ids.putIfAbsent(pieces[id], id);
            output[id] = outputBytes(pieces[id]);
        }
        checkByteTokens(file);
        Integer space = ids.get(" ");
        if (space == null) throw new UserError(file + ": no ' ' token, which encoding prepends to every text");
        this.spaceId = space;
    }

    /** Reads a llama2.c tokenizer file; a missing, truncated or corrupt file is a {@link UserError}. */
    public static Llama2cTokenizer load(Path file) {
        ByteBuffer buf = ByteBuffer.wrap(readAll(file)).order(ByteOrder.LITTLE_ENDIAN);
        if (buf.remaining() < 4) {
            throw new UserError(file + ": " + buf.remaining() + " bytes is too short for a llama2.c tokenizer"
                    + " (expected int32 max_token_length, then per token: float32 score, int32 length, bytes)");
        }
        int maxLength = buf.getInt();
        if (maxLength <= 0) throw new UserError(file + ": max_token_length is " + maxLength + ", expected > 0");
        List<String> pieces = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        while (buf.hasRemaining()) {
            readToken(file, buf, pieces.size(), maxLength, pieces, scores);
        }
        float[] s = new float[scores.size()];
        for (int i = 0; i < s.length; i++) s[i] = scores.get(i);
        return new Llama2cTokenizer(file, pieces.toArray(new String[0]), s);
    }

    private static byte[] readAll(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new UserError("tokenizer file not found: " + file);
        } catch (IOException e) {
            throw new UserError("cannot read tokenizer file " + file + ": " + e.getMessage(), e);
        }
    }

    private static void readToken(Path file, ByteBuffer buf, int index, int maxLength,
                                  List<String> pieces, List<Float> scores) {
        int offset = buf.position();
        try {
            float score = buf.getFloat();
            int length = buf.getInt();
            if (Float.isNaN(score) || length < 0 || length > maxLength) {
                throw new UserError(file + ": token " + index + " (byte offset " + offset + ") is corrupt: score "
                        + score + ", byte length " + length + " (max_token_length " + maxLength + ")");
            }
            byte[] bytes = new byte[length];
            buf.get(bytes);
            pieces.add(new String(bytes, ISO_8859_1));
            scores.add(score);
        } catch (BufferUnderflowException e) {
            throw new UserError(file + ": truncated at token " + index + " (byte offset " + offset
                    + "): the file ends inside the token's record");
        }
    }

    /** The byte fallback needs ids 3..258 to be {@code <0x00>..<0xFF>}; refuse a vocabulary without them. */
    private void checkByteTokens(Path file) {
        for (int b = 0; b < 256; b++) {
            int id = b + BYTE_OFFSET;
            String expected = String.format("<0x%02X>", b);
            if (id >= pieces.length || !pieces[id].equals(expected)) {
                String found = id < pieces.length ? "'" + pieces[id] + "'" : "nothing (only " + pieces.length + " tokens)";
                throw new UserError(file + ": token " + id + " should be the byte-fallback token " + expected
                        + ", found " + found);
            }
        }
    }

    /** A piece {@code <0xXX>} decodes to that raw byte (as llama2.c's sscanf does); others to themselves. */
    private static byte[] outputBytes(String piece) {
        if (piece.length() == 6 && piece.startsWith("<0x") && piece.endsWith(">")) {
            try {
                return new byte[] {(byte) Integer.parseInt(piece.substring(3, 5), 16)};
            } catch (NumberFormatException notHex) {
                // an ordinary piece that happens to look like one
            }
        }
        return piece.getBytes(ISO_8859_1);
    }

    @Override public int[] encode(String text, boolean addSpecialTokens) {
        byte[] utf8 = text.getBytes(UTF_8);
        int[] merged = utf8.length == 0 ? new int[0] : merge(characters(utf8));
        if (!addSpecialTokens) return merged;
        int[] withBos = new int[merged.length + 1];
        withBos[0] = BOS;
        System.arraycopy(merged, 0, withBos, 1, merged.length);
        return withBos;
    }

    /** The dummy-prefix space, then one token per UTF-8 character, or one per byte if it is not in the vocab. */
    private int[] characters(byte[] utf8) {
        int[] tokens = new int[utf8.length + 1];
        int n = 0;
        tokens[n++] = spaceId;
        for (int start = 0, end; start < utf8.length; start = end) {
            end = start + 1;
            while (end < utf8.length && end - start < 4 && (utf8[end] & 0xC0) == 0x80) end++;
            Integer id = ids.get(new String(utf8, start, end - start, ISO_8859_1));
            if (id != null) {
                tokens[n++] = id;
            } else {
                for (int k = start; k < end; k++) tokens[n++] = (utf8[k] & 0xFF) + BYTE_OFFSET;
            }
        }
        return Arrays.copyOf(tokens, n);
    }

    /** A candidate merge of the adjacent symbols at positions left and right (original indices). */
    private record Merge(float score, int left, int right, int leftId, int rightId, int merged) {}

    /** llama2.c's order: highest score first; on a tie the leftmost pair. (Written with > so -0.0 == 0.0, as in C.) */
    private static int order(Merge a, Merge b) {
        if (a.score > b.score) return -1;
        if (a.score < b.score) return 1;
        return Integer.compare(a.left, b.left);
    }

    /**
     * Repeatedly merges the best adjacent pair whose concatenation is in the vocabulary. Same result as
     * llama2.c's rescan-everything loop, in O(n log n): symbols stay at their first index in a linked
     * list, and queue entries whose symbols have changed since they were queued are dropped.
     */
    private int[] merge(int[] tokens) {
        int n = tokens.length;
        int[] id = tokens.clone();
        int[] next = new int[n];
        int[] prev = new int[n];
        for (int i = 0; i < n; i++) {
            next[i] = i + 1;
            prev[i] = i - 1;
        }
        PriorityQueue<Merge> queue = new PriorityQueue<>(Llama2cTokenizer::order);
        for (int i = 0; i + 1 < n; i++) offer(queue, id, i, i + 1);
        while (!queue.isEmpty()) {
            Merge m = queue.poll();
            boolean stale = next[m.left] != m.right || id[m.left] != m.leftId || id[m.right] != m.rightId;
            if (stale) continue;
            id[m.left] = m.merged;
            int after = next[m.right];
            next[m.left] = after;
            next[m.right] = -1; // dead: no entry can match it again
            if (after < n) prev[after] = m.left;
            if (prev[m.left] >= 0) offer(queue, id, prev[m.left], m.left);
            if (after < n) offer(queue, id, m.left, after);
        }
        int[] out = new int[n];
        int count = 0;
        for (int i = 0; i < n; i = next[i]) out[count++] = id[i];
        return Arrays.copyOf(out, count);
    }

    private void offer(PriorityQueue<Merge> queue, int[] id, int left, int right) {
        Integer merged = ids.get(pieces[id[left]] + pieces[id[right]]);
        if (merged != null) queue.add(new Merge(scores[merged], left, right, id[left], id[right], merged));
    }

    /** Skips BOS and EOS; the piece right after BOS loses one leading space (SentencePiece's dummy prefix). */
    @Override public String decode(int[] ids) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int prev = -1;
        for (int id : ids) {
            if (id < 0 || id >= pieces.length) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + pieces.length + ")");
            }
            if (id != BOS && id != EOS) {
                byte[] piece = output[id];
                int skip = prev == BOS && piece.length > 0 && piece[0] == ' ' ? 1 : 0;
                bytes.write(piece, skip, piece.length - skip);
            }
            prev = id;
        }
        return bytes.toString(UTF_8); // malformed UTF-8 becomes U+FFFD
    }

    @Override public OptionalInt bosId() { return OptionalInt.of(BOS); }

    @Override public OptionalInt eosId() { return OptionalInt.of(EOS); }

    /** No pad token in a llama2.c vocabulary, so EOS. */
    @Override public int padId() { return EOS; }

    @Override public int vocabSize() { return pieces.length; }
}
