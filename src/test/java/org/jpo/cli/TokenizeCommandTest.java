package org.jpo.cli;

import org.jpo.testing.Shared;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Path;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jpo tokenize} through {@link Main#run}, with stdout and stderr captured. */
class TokenizeCommandTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream oldOut;
    private PrintStream oldErr;

    @BeforeEach void capture() {
        oldOut = System.out;
        oldErr = System.err;
        System.setOut(new PrintStream(out, true, UTF_8));
        System.setErr(new PrintStream(err, true, UTF_8));
    }

    @AfterEach void restore() {
        System.setOut(oldOut);
        System.setErr(oldErr);
    }

    private String stdout() { return out.toString(UTF_8); }

    private String stderr() { return err.toString(UTF_8); }

    @Test void stories260KGoldenIds() {
        String model = Shared.stories260K().toString();
        String tok = Shared.tok512().toString();
        int code = Main.run("tokenize", "--model", model, "--tokenizer", tok, "--text", "Once upon a time");
        assertEquals(0, code, stderr());
        assertEquals("{\"ids\":[403,407,261,378]}" + System.lineSeparator(), stdout());
    }

    @Test void specialPrependsBos() {
        int code = Main.run("tokenize", "--model", Shared.stories260K().toString(), "--tokenizer",
                Shared.tok512().toString(), "--text", "Once upon a time", "--special");
        assertEquals(0, code, stderr());
        assertEquals("{\"ids\":[1,403,407,261,378]}", stdout().strip());
    }

    @Test void hfModelDirectoryUsesItsTokenizerJson() throws URISyntaxException {
        Path dir = Path.of(getClass().getResource("/tokenizers/template").toURI());
        assertEquals(0, Main.run("tokenize", "--model", dir.toString(), "--text", "ab c", "--special"), stderr());
        assertEquals(0, Main.run("tokenize", "--model", dir.toString(), "--text", "ab c"), stderr());
        assertEquals("{\"ids\":[1,11,12]}\n{\"ids\":[11,12]}", stdout().strip().replace(System.lineSeparator(), "\n"));
    }

    @Test void missingTokenizerExits2NamingTheModel() {
        String model = Shared.stories260K().toString();
        int code = Main.run("tokenize", "--model", model, "--text", "Once upon a time");
        assertEquals(2, code);
        assertEquals("", stdout());
        assertTrue(stderr().startsWith("error: model " + model + " is a llama2.c weights file")
                && stderr().contains("--tokenizer"), stderr());
    }
}
