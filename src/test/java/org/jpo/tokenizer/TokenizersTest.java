package org.jpo.tokenizer;

import org.jpo.UserError;
import org.jpo.testing.Shared;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which tokenizer a model gets, and what the user is told when it has none. */
class TokenizersTest {
    static final int[] ONCE_UPON_A_TIME = {403, 407, 261, 378};

    @Test void explicitLlama2cTokenizerForALlama2cModel() {
        try (Tokenizer t = Tokenizers.find(Shared.stories260K(), Optional.of(Shared.tok512())).orElseThrow()) {
            assertInstanceOf(Llama2cTokenizer.class, t);
            assertArrayEquals(ONCE_UPON_A_TIME, t.encode("Once upon a time", false));
        }
    }

    @Test void explicitJsonIsHf(@TempDir Path model) {
        Path json = HfTokenizerTest.resource("template/tokenizer.json");
        try (Tokenizer t = Tokenizers.find(model, Optional.of(json)).orElseThrow()) {
            assertInstanceOf(HfTokenizer.class, t);
            assertEquals(14, t.vocabSize());
        }
    }

    @Test void explicitPathWinsOverTheModelDirectory() {
        Path dir = HfTokenizerTest.resource("template");
        try (Tokenizer t = Tokenizers.find(dir, Optional.of(Shared.tok512())).orElseThrow()) {
            assertEquals(512, t.vocabSize());
        }
    }

    @Test void modelDirectoryPrefersTokenizerJson(@TempDir Path model) throws IOException {
        Files.copy(Shared.tok512(), model.resolve("tokenizer.bin"));
        try (Tokenizer t = Tokenizers.find(model, Optional.empty()).orElseThrow()) {
            assertInstanceOf(Llama2cTokenizer.class, t);
            assertArrayEquals(ONCE_UPON_A_TIME, t.encode("Once upon a time", false));
        }
        Files.copy(HfTokenizerTest.resource("template/tokenizer.json"), model.resolve("tokenizer.json"));
        try (Tokenizer t = Tokenizers.find(model, Optional.empty()).orElseThrow()) {
            assertInstanceOf(HfTokenizer.class, t);
        }
    }

    @Test void directoryWithoutTokenizer(@TempDir Path model) {
        assertFalse(Tokenizers.find(model, Optional.empty()).isPresent());
        UserError e = assertThrows(UserError.class, () -> Tokenizers.require(model, Optional.empty()));
        assertEquals("model " + model + " has no tokenizer: looked for " + model.resolve("tokenizer.json") + " and "
                + model.resolve("tokenizer.bin") + "; name one with --tokenizer", e.getMessage());
    }

    @Test void llama2cModelFileHasNoTokenizerOfItsOwn() {
        Path model = Shared.stories260K();
        assertFalse(Tokenizers.find(model, Optional.empty()).isPresent());
        UserError e = assertThrows(UserError.class, () -> Tokenizers.require(model, Optional.empty()));
        assertTrue(e.getMessage().startsWith("model " + model + " is a llama2.c weights file")
                && e.getMessage().contains("--tokenizer"), e.getMessage());
    }

    @Test void missingPathsAreNamed(@TempDir Path dir) {
        Path nowhere = dir.resolve("nowhere.json");
        UserError e = assertThrows(UserError.class, () -> Tokenizers.find(dir, Optional.of(nowhere)));
        assertEquals("tokenizer file not found: " + nowhere, e.getMessage());
        e = assertThrows(UserError.class, () -> Tokenizers.find(dir.resolve("model"), Optional.empty()));
        assertEquals("model not found: " + dir.resolve("model"), e.getMessage());
        e = assertThrows(UserError.class, () -> Tokenizers.open(dir));
        assertTrue(e.getMessage().contains("holds neither tokenizer.json nor tokenizer.bin"), e.getMessage());
    }
}
