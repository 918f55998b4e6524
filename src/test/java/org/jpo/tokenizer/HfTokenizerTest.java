package org.jpo.tokenizer;

import org.jpo.UserError;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HF tokenizers on hand-written files in {@code src/test/resources/tokenizers/}; expected ids are worked out
 * from each file's vocab and merges (the reasoning is next to each assertion).
 *
 * <ul>
 *   <li>{@code bytelevel}: GPT-2 style. Byte b's character (GPT-2's byte-to-unicode table, e.g. space → Ġ,
 *       newline → Ċ) has id b; merges 0..9 ("h e", "l l", "l o", "he ll", "hell o", "Ġ w", "o r", "Ġw or",
 *       "l d", "Ġwor ld") make ids 256..265; {@code <|endoftext|>} is 266; config.json names it BOS and EOS.
 *   <li>{@code wordpiece}: BERT style, lowercasing, [UNK]=0 [CLS]=1 [SEP]=2 [PAD]=3, the=4 cat=5 play=6
 *       ##ing=7 ##ed=8 !=9 un=10 ##play=11 ##able=12 a=13 ##s=14; tokenizer_config.json names [PAD].
 *   <li>{@code template}: Llama style (▁ prefix, byte fallback), TemplateProcessing adds {@code <s>};
 *       <unk>=0 <s>=1 </s>=2 <0xC3>=3 <0xBC>=4 ▁=5 a=6 b=7 c=8 ▁a=9 ab=10 ▁ab=11 ▁c=12 bc=13, merges in that
 *       order from "▁ a"; tokenizer_config.json names <s> and </s>; config.json disagrees (7, 8) and loses.
 *   <li>{@code unigram}: Metaspace + Unigram, scores <unk> 0, ▁ -3, ▁a -1, b -2, a -2.5, ▁ab -2.8, c -2.
 * </ul>
 */
class HfTokenizerTest {
    static HfTokenizer byteLevel;
    static HfTokenizer wordPiece;
    static HfTokenizer template;
    static HfTokenizer unigram;

    static Path resource(String name) {
        try {
            return Path.of(HfTokenizerTest.class.getResource("/tokenizers/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeAll static void load() {
        byteLevel = HfTokenizer.load(resource("bytelevel/tokenizer.json"));
        wordPiece = HfTokenizer.load(resource("wordpiece/tokenizer.json"));
        template = HfTokenizer.load(resource("template/tokenizer.json"));
        unigram = HfTokenizer.load(resource("unigram/tokenizer.json"));
    }

    @AfterAll static void close() {
        for (HfTokenizer t : List.of(byteLevel, wordPiece, template, unigram)) t.close();
    }

    @Test void byteLevelBpeMergesByRank() {
        // "hello": he (rank 0), ll (1) [beats lo (2)], hell (3), hello (4); " world" is "Ġworld": Ġw, or, Ġwor, ld, Ġworld
        assertArrayEquals(new int[] {260, 265}, byteLevel.encode("hello world", false));
        // l l o: "l l" (rank 1) before "l o" (rank 2), and "ll o" is no merge
        assertArrayEquals(new int[] {257, 111}, byteLevel.encode("llo", false));
        assertArrayEquals(new int[] {258}, byteLevel.encode("lo", false));
        // h o l d: only "l d"
        assertArrayEquals(new int[] {104, 111, 264}, byteLevel.encode("hold", false));
        // é is bytes C3 A9, whose characters Ã and © are ids 195 and 169; the newline is its own pre-token Ċ = 10
        assertArrayEquals(new int[] {195, 169}, byteLevel.encode("é", false));
        assertArrayEquals(new int[] {260, 10}, byteLevel.encode("hello\n", false));
        // the added special token is matched inside text
        assertArrayEquals(new int[] {260, 266}, byteLevel.encode("hello<|endoftext|>", false));
    }

    @Test void byteLevelAddsNothingForSpecialTokens() {
        // GPT-2's convention: no BOS even when asked
        assertArrayEquals(byteLevel.encode("hello world", false), byteLevel.encode("hello world", true));
    }

    @Test void byteLevelRoundTripsAndSkipsEndOfText() {
        for (String s : List.of("hello world", "é", "hold the door\n", "  spaces\tand tabs ✓")) {
            assertEquals(s, byteLevel.decode(byteLevel.encode(s, false)), s);
        }
        assertEquals("hello", byteLevel.decode(new int[] {260, 266}));
    }

    @Test void byteLevelSpecialIdsFromConfigJson() {
        assertEquals(266, byteLevel.bosId().getAsInt());
        assertEquals(266, byteLevel.eosId().getAsInt());
        assertEquals(266, byteLevel.padId()); // no pad token: EOS
        assertEquals(267, byteLevel.vocabSize());
    }

    @Test void longTextIsNotTruncated() {
        // "hello" then 599 × " hello" = Ġ, hello (no "Ġ h" merge): 1 + 2 × 599 ids, far beyond DJL's default 512
        int[] ids = byteLevel.encode("hello" + " hello".repeat(599), false);
        assertEquals(1199, ids.length);
        assertEquals(260, ids[1198]);
    }

    @Test void wordPiece() {
        // lowercased; the, cat ##s, play ##ing, !
        assertArrayEquals(new int[] {4, 5, 14, 6, 7, 9}, wordPiece.encode("The cats playing!", false));
        // BertProcessing wraps in [CLS] … [SEP] when asked
        assertArrayEquals(new int[] {1, 4, 5, 14, 6, 7, 9, 2}, wordPiece.encode("The cats playing!", true));
        assertArrayEquals(new int[] {10, 11, 12}, wordPiece.encode("unplayable", false));
        // unknown word, and a word whose tail is unknown: the whole word is [UNK]
        assertArrayEquals(new int[] {4, 0, 0}, wordPiece.encode("the dog playz", false));
        assertEquals("the cats playing!", wordPiece.decode(new int[] {1, 4, 5, 14, 6, 7, 9, 2}));
    }

    @Test void wordPieceSpecialIds() {
        assertFalse(wordPiece.bosId().isPresent());
        assertFalse(wordPiece.eosId().isPresent());
        assertEquals(3, wordPiece.padId()); // "pad_token": "[PAD]"
        assertEquals(15, wordPiece.vocabSize());
        assertEquals("the cat", wordPiece.decode(new int[] {4, 3, 5, 3}));
    }

    @Test void templateAddsBosOnlyWhenAsked() {
        // "ab c" → "▁ab▁c" → ▁ a b ▁ c: ▁a (rank 0), ▁ab (2; "a b" lost its a), ▁c (3)
        assertArrayEquals(new int[] {11, 12}, template.encode("ab c", false));
        assertArrayEquals(new int[] {1, 11, 12}, template.encode("ab c", true));
        // ▁ a b c: ▁a, then ▁ab (2) beats bc (4)
        assertArrayEquals(new int[] {11, 8}, template.encode("abc", false));
        assertArrayEquals(new int[0], template.encode("", false));
        assertArrayEquals(new int[] {1}, template.encode("", true));
    }

    @Test void templateByteFallbackAndDecode() {
        // ü is not in the vocab: its bytes C3 BC
        assertArrayEquals(new int[] {5, 3, 4}, template.encode("ü", false));
        assertEquals("ü", template.decode(new int[] {1, 5, 3, 4}));
        assertEquals("ab c", template.decode(new int[] {1, 11, 12, 2}));
        for (String s : List.of("ab c", "abc cab", "c ü a")) assertEquals(s, template.decode(template.encode(s, true)), s);
    }

    @Test void templateSpecialIdsFromTokenizerConfig() {
        assertEquals(1, template.bosId().getAsInt()); // AddedToken object form; config.json's 7 loses
        assertEquals(2, template.eosId().getAsInt());
        assertEquals(2, template.padId()); // "pad_token": null, so EOS
        assertEquals(14, template.vocabSize());
    }

    @Test void unigramPicksTheMostLikelySegmentation() {
        // ▁ab (-2.8) beats ▁a b (-3.0) and ▁ a b (-7.5)
        assertArrayEquals(new int[] {5}, unigram.encode("ab", false));
        // ▁ab b (-4.8) beats ▁a b b (-5.0)
        assertArrayEquals(new int[] {5, 3}, unigram.encode("abb", false));
        // no ▁c: ▁ c a
        assertArrayEquals(new int[] {1, 6, 4}, unigram.encode("ca", false));
        assertEquals("abb ca", unigram.decode(unigram.encode("abb ca", false)));
        assertEquals(7, unigram.vocabSize());
        assertEquals(0, unigram.padId()); // no pad, no EOS
    }

    @Test void noConfigFilesMeansNoSpecialIds(@TempDir Path dir) throws IOException {
        Path copy = Files.copy(resource("bytelevel/tokenizer.json"), dir.resolve("tokenizer.json"));
        try (HfTokenizer t = HfTokenizer.load(copy)) {
            assertFalse(t.bosId().isPresent());
            assertFalse(t.eosId().isPresent());
            assertEquals(0, t.padId());
            assertArrayEquals(new int[] {260, 265}, t.encode("hello world", true));
        }
    }

    @Test void decodeRefusesUnknownIds() {
        assertThrows(IllegalArgumentException.class, () -> template.decode(new int[] {14}));
        assertThrows(IllegalArgumentException.class, () -> template.decode(new int[] {-1}));
    }

    @Test void malformedJsonNamesTheFile(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("tokenizer.json");
        String good = Files.readString(resource("template/tokenizer.json"));
        Files.writeString(bad, good.substring(0, good.length() / 2));
        UserError e = assertThrows(UserError.class, () -> HfTokenizer.load(bad));
        assertTrue(e.getMessage().startsWith(bad.toString()) && e.getMessage().contains("not valid JSON"), e.getMessage());
    }

    @Test void structurallyWrongTokenizerNamesTheFile(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("tokenizer.json");
        String good = Files.readString(resource("template/tokenizer.json"));
        Files.writeString(bad, good.replace("\"type\": \"BPE\"", "\"type\": \"NoSuchModel\""));
        UserError e = assertThrows(UserError.class, () -> HfTokenizer.load(bad));
        assertTrue(e.getMessage().startsWith(bad.toString()) && e.getMessage().contains("HF tokenizers"), e.getMessage());
    }

    @Test void unknownSpecialTokenNamesTheConfigFile(@TempDir Path dir) throws IOException {
        Path json = Files.copy(resource("template/tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": \"<bos>\"}");
        UserError e = assertThrows(UserError.class, () -> HfTokenizer.load(json));
        assertTrue(e.getMessage().contains("tokenizer_config.json: bos_token '<bos>' is not a token"), e.getMessage());

        Files.writeString(dir.resolve("tokenizer_config.json"), "{}");
        Files.writeString(dir.resolve("config.json"), "{\"eos_token_id\": 99}");
        e = assertThrows(UserError.class, () -> HfTokenizer.load(json));
        assertTrue(e.getMessage().contains("config.json: eos_token_id is 99"), e.getMessage());

        Files.writeString(dir.resolve("config.json"), "{\"eos_token_id\": [2, 1]}"); // a list: the first
        try (HfTokenizer t = HfTokenizer.load(json)) {
            assertEquals(2, t.eosId().getAsInt());
            assertFalse(t.bosId().isPresent());
        }
    }
}
