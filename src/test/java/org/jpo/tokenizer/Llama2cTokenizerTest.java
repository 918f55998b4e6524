package org.jpo.tokenizer;

import org.jpo.UserError;
import org.jpo.testing.Shared;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The llama2.c tokenizer on the real stories260K vocabulary (tok512.bin) and on damaged copies of it. */
class Llama2cTokenizerTest {
    /** Greedy continuation of BOS by stories260K (models/stories260K/README.md). */
    static final int[] GOLDEN = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338,
            401, 396, 267, 337, 410, 408, 419, 292, 411, 322, 265, 282, 295, 433, 426, 385, 328, 432, 358, 394, 261,
            370, 432, 352, 266, 268, 388, 426, 338, 391, 266, 267, 337, 335, 312, 432, 398, 312, 286, 267, 414, 270,
            333, 415, 426, 13, 438, 310};

    static Path file;
    static Llama2cTokenizer tok;

    @BeforeAll static void load() {
        file = Shared.tok512();
        tok = Llama2cTokenizer.load(file);
    }

    @Test void encodesTheGoldenPrompt() {
        assertArrayEquals(new int[] {403, 407, 261, 378}, tok.encode("Once upon a time", false));
        assertArrayEquals(new int[] {1, 403, 407, 261, 378}, tok.encode("Once upon a time", true));
    }

    @Test void decodesTheGoldenStory() {
        String text = tok.decode(GOLDEN);
        assertTrue(text.startsWith("Once upon a time, there was a little girl named Lily. She loved to play outside"
                + " in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too high."),
                text);
        // id 13 is <0x0A>: a raw newline byte; 438, 310 are "L", "ily"
        assertTrue(text.endsWith(".\nLily"), text);
    }

    @Test void specialIdsAndSize() {
        assertEquals(1, tok.bosId().getAsInt());
        assertEquals(2, tok.eosId().getAsInt());
        assertEquals(2, tok.padId()); // no pad token: EOS
        assertEquals(512, tok.vocabSize());
    }

    @Test void tiesGoToTheLeftmostPair() {
        // " z o o o": both "oo" (347) pairs score the same; the left one merges, leaving "o" (414) last
        assertArrayEquals(new int[] {410, 451, 347, 414}, tok.encode("zooo", false));
    }

    @Test void emptyText() {
        assertArrayEquals(new int[0], tok.encode("", false));
        assertArrayEquals(new int[] {1}, tok.encode("", true));
        assertEquals("", tok.decode(new int[] {1}));
    }

    @Test void unknownCharactersFallBackToBytes() {
        // ü = C3 BC and ✓ = E2 9C 93 are not in the vocab: byte b becomes id b + 3; 410 is " "
        assertArrayEquals(new int[] {410, 0xC3 + 3, 0xBC + 3}, tok.encode("ü", false));
        assertArrayEquals(new int[] {410, 0xE2 + 3, 0x9C + 3, 0x93 + 3}, tok.encode("✓", false));
        assertEquals("ü", tok.decode(tok.encode("ü", true)));
        assertEquals("✓ done", tok.decode(tok.encode("✓ done", true)));
        // é (C3 A9) is one of the vocab's few multi-byte characters: a single token
        assertArrayEquals(new int[] {410, 485}, tok.encode("é", false));
    }

    @Test void roundTrips() {
        for (String s : List.of("Once upon a time, there was a little girl named Lily.",
                "She said, \"Wow!\" and ran to the park.\nThe end.", "  two leading spaces", "x", "Zoë's café ✓ 😀",
                "tab\tand 123 numbers; (brackets) [ok] {curly}")) {
            assertEquals(s, tok.decode(tok.encode(s, true)), s);
        }
    }

    @Test void decodeKeepsTheLeadingSpaceWithoutBosAndSkipsEos() {
        assertEquals(" Once upon", tok.decode(new int[] {403, 407}));
        assertEquals("Once upon", tok.decode(new int[] {1, 403, 2, 407, 2}));
        assertEquals("Once upon", tok.decode(new int[] {1, 403, 407, 2}));
        assertEquals("\uFFFD", tok.decode(new int[] {1, 0xC3 + 3})); // a lone UTF-8 lead byte
    }

    @Test void decodeRejectsIdsOutsideTheVocab() {
        assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {512}));
        assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {-1}));
    }

    /** The queue-based merge agrees with llama2.c's literal rescan loop on random text. */
    @Test void mergesLikeTheLiteralLlama2cLoop() throws IOException {
        NaiveLlama2c naive = new NaiveLlama2c(Files.readAllBytes(file));
        String alphabet = "abcdefghilmnoprstuwy ,.!'\"\nTOLSéü✓";
        Random rnd = new Random(42);
        for (int trial = 0; trial < 200; trial++) {
            StringBuilder sb = new StringBuilder();
            int len = rnd.nextInt(60);
            for (int i = 0; i < len; i++) sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
            String s = sb.toString();
            assertArrayEquals(naive.encode(s), tok.encode(s, false), s);
        }
        String story = tok.decode(GOLDEN);
        assertArrayEquals(naive.encode(story), tok.encode(story, false));
        assertArrayEquals(Arrays.copyOfRange(GOLDEN, 1, GOLDEN.length), tok.encode(story, false));
    }

    @Test void truncatedFileNamesTheToken(@TempDir Path dir) throws IOException {
        byte[] all = Files.readAllBytes(file);
        int offset = offsetOfToken(all, 300);
        Path cut = dir.resolve("cut.bin");
        Files.write(cut, Arrays.copyOf(all, offset + 6)); // inside token 300's length field
        UserError e = assertThrows(UserError.class, () -> Llama2cTokenizer.load(cut));
        assertTrue(e.getMessage().contains(cut.toString()) && e.getMessage().contains("token 300"), e.getMessage());

        Files.write(cut, Arrays.copyOf(all, offset + 9)); // inside token 300's bytes
        e = assertThrows(UserError.class, () -> Llama2cTokenizer.load(cut));
        assertTrue(e.getMessage().contains("truncated at token 300"), e.getMessage());
    }

    @Test void corruptLengthNamesTheToken(@TempDir Path dir) throws IOException {
        byte[] all = Files.readAllBytes(file);
        ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).putInt(offsetOfToken(all, 7) + 4, 1_000_000);
        Path bad = dir.resolve("bad.bin");
        Files.write(bad, all);
        UserError e = assertThrows(UserError.class, () -> Llama2cTokenizer.load(bad));
        assertTrue(e.getMessage().contains(bad.toString()) && e.getMessage().contains("token 7 ")
                && e.getMessage().contains("1000000"), e.getMessage());
    }

    @Test void missingFile(@TempDir Path dir) {
        UserError e = assertThrows(UserError.class, () -> Llama2cTokenizer.load(dir.resolve("nope.bin")));
        assertTrue(e.getMessage().contains("nope.bin"), e.getMessage());
    }

    private static int offsetOfToken(byte[] all, int index) {
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        b.position(4);
        for (int i = 0; i < index; i++) b.position(b.position() + 8 + b.getInt(b.position() + 4));
        return b.position();
    }

    /** llama2.c run.c encode() transcribed literally: rescan all pairs after every merge. */
    static final class NaiveLlama2c {
        final List<String> vocab = new ArrayList<>();
        final List<Float> scores = new ArrayList<>();
        final Map<String, Integer> index = new HashMap<>();

        NaiveLlama2c(byte[] all) {
            ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
            b.getInt();
            while (b.hasRemaining()) {
                scores.add(b.getFloat());
                byte[] piece = new byte[b.getInt()];
                b.get(piece);
                index.putIfAbsent(new String(piece, ISO_8859_1), vocab.size());
                vocab.add(new String(piece, ISO_8859_1));
            }
        }

        int[] encode(String text) {
            List<Integer> tokens = new ArrayList<>();
            byte[] bytes = text.getBytes(UTF_8);
            if (bytes.length > 0) tokens.add(index.get(" "));
            StringBuilder buf = new StringBuilder();
            for (int i = 0; i < bytes.length; i++) {
                if ((bytes[i] & 0xC0) != 0x80) buf.setLength(0);
                buf.append((char) (bytes[i] & 0xFF));
                if (i + 1 < bytes.length && (bytes[i + 1] & 0xC0) == 0x80 && buf.length() < 4) continue;
                Integer id = index.get(buf.toString());
                if (id != null) tokens.add(id);
                else for (int k = 0; k < buf.length(); k++) tokens.add(buf.charAt(k) + 3);
                buf.setLength(0);
            }
            while (true) {
                float best = -1e10f;
                int bestId = -1, bestIdx = -1;
                for (int i = 0; i < tokens.size() - 1; i++) {
                    Integer id = index.get(vocab.get(tokens.get(i)) + vocab.get(tokens.get(i + 1)));
                    if (id != null && scores.get(id) > best) {
                        best = scores.get(id);
                        bestId = id;
                        bestIdx = i;
                    }
                }
                if (bestIdx == -1) break;
                tokens.set(bestIdx, bestId);
                tokens.remove(bestIdx + 1);
            }
            return tokens.stream().mapToInt(Integer::intValue).toArray();
        }
    }
}
