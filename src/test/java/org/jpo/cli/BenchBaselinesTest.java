package org.jpo.cli;

import org.jpo.UserError;
import org.jpo.testing.Shared;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/** The llama2.c run.c baseline of {@code jpo bench generate}, against fake {@code run} scripts (no compiler in tests). */
class BenchBaselinesTest {
    @TempDir Path dir;

    /** A fake run.c: checks it got run.c's 13 arguments and an existing tokenizer, then runs {@code body}. */
    private Path fakeRun(String body) throws IOException {
        Path run = dir.resolve("run");
        Files.writeString(run, "#!/bin/sh\n[ $# -eq 13 ] && [ -f \"$3\" ] && [ \"${13}\" = \"\" ] || { echo \"bad args: $*\" >&2; exit 3; }\n"
                + "echo 'Once upon a time' \n" + body + "\n");
        Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxr-xr-x"));
        return run;
    }

    private double runC(Path run, int runs, int processes) throws Exception {
        Path tok = BenchBaselines.syntheticTokenizer(dir.resolve("tok.bin"), 300);
        return BenchBaselines.runC(run, dir.resolve("model.bin"), tok, 16, runs, processes);
    }

    @Test void syntheticTokenizerReadsBackAsRunCReadsIt() throws IOException {
        Path file = BenchBaselines.syntheticTokenizer(dir.resolve("tok.bin"), 512);
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int maxLength = b.getInt();
        List<String> pieces = new ArrayList<>();
        while (b.hasRemaining()) {
            assertEquals(0f, b.getFloat());
            byte[] piece = new byte[b.getInt()];
            b.get(piece);
            pieces.add(new String(piece, StandardCharsets.US_ASCII));
        }
        assertEquals(512, pieces.size());
        assertEquals(List.of("<unk>", "<s>", "</s>", "<0x00>", "<0x01>"), pieces.subList(0, 5));
        assertEquals(List.of("<0xFE>", "<0xFF>", "t259", "t260"), pieces.subList(257, 261));
        assertEquals("t511", pieces.get(511));
        assertEquals(6, maxLength, "the longest piece, <0xXX>");
    }

    @Test void theModelsTokenizerIsUsedOnlyWhenItsVocabularyFits() throws IOException {
        Path tok512 = Shared.tok512();
        assertEquals(tok512, BenchBaselines.llama2cTokenizer(Optional.of(tok512), 512, dir));
        Path other = BenchBaselines.llama2cTokenizer(Optional.of(tok512), 300, dir);
        assertEquals(dir, other.getParent());
        assertEquals(4 + 300 * 8 + 5 + 3 + 4 + 256 * 6 + 41 * 4, Files.size(other), "300 synthetic pieces");
        assertEquals(dir, BenchBaselines.llama2cTokenizer(Optional.of(dir.resolve("missing.bin")), 512, dir).getParent());
    }

    @Test void tokensPerSecondIsTheMedianOverSeedsSummedOverProcesses() throws Exception {
        Path run = fakeRun("echo \"achieved tok/s: $((${11} * 100)).000000\" >&2");   // seed s: 100·s tok/s
        assertEquals(300, runC(run, 5, 1), 1e-9);   // seeds 1..5: 100..500
        assertEquals(250, runC(run, 4, 1), 1e-9);
        assertEquals(3 * 250, runC(run, 4, 3), 1e-9);
        assertEquals(1000, runC(fakeRun("echo 'achieved tok/s: 1000.0' >&2"), 8, 1), 1e-9);
        assertEquals(Double.POSITIVE_INFINITY, runC(fakeRun("echo 'achieved tok/s: inf' >&2"), 1, 1));
    }

    @Test void aFailedRunOrOneWithoutTheLineIsAUserErrorNamingTheBinary() throws Exception {
        Path failing = fakeRun("echo 'failed read' >&2; exit 1");
        var e = assertThrows(UserError.class, () -> runC(failing, 8, 1));
        assertTrue(e.getMessage().contains(failing.toString()) && e.getMessage().contains("exit 1")
                && e.getMessage().contains("failed read"), e.getMessage());
        Path silent = fakeRun("true");
        e = assertThrows(UserError.class, () -> runC(silent, 8, 2));
        assertTrue(e.getMessage().contains(silent.toString()) && e.getMessage().contains("no 'achieved tok/s' line"), e.getMessage());
    }

    @Test void theFlagNeedsAnExecutableFile() throws IOException {
        Path text = Files.writeString(dir.resolve("run.c"), "int main() {}\n");
        for (Path bad : List.of(dir.resolve("nothing-here"), text, dir)) {
            BenchGenerate cmd = new BenchGenerate();
            new CommandLine(cmd).parseArgs("--llama2c", bad.toString());
            var e = assertThrows(UserError.class, cmd::settings);
            String why = bad.equals(text) || bad.equals(dir) ? " is not an executable file" : " does not exist";
            assertTrue(e.getMessage().startsWith("--llama2c") && e.getMessage().contains(bad + why)
                    && e.getMessage().contains("karpathy/llama2.c run binary"), e.getMessage());
        }
        Path missing = dir.resolve("nothing-here");
        var e = assertThrows(UserError.class, () -> BenchGenerate.BINDER.parse("overrides", "", dir, List.of("llama2c=" + missing)));
        assertTrue(e.getMessage().contains("llama2c: " + missing + " does not exist"), e.getMessage());
    }
}
