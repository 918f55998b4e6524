package org.jpo.loop;

import org.jpo.eval.EvalResult;
import org.jpo.eval.RoundRecord;
import org.jpo.io.Jsonl;
import org.jpo.pairs.PairRow;
import org.jpo.sampling.SampleRow;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The row records are the run directory's contract: every line a27ccdb wrote reads into its record and writes back
 * byte for byte (names, order, nulls, numbers), so a renamed or dropped field fails here, not in a user's script.
 */
class RowRecordsTest {
    static final Path RUNS = OldRunDirectoryTest.FIXTURES;

    @ParameterizedTest
    @CsvSource({"old-run/round-001/samples.jsonl, SampleRow", "old-run/round-002/eval_samples.jsonl, SampleRow",
            "old-run-kto/round-001/samples.jsonl, SampleRow", "old-run/round-002/pairs.jsonl, PairRow",
            "old-run-kto/round-001/pairs.jsonl, PairRow", "old-run/rounds.jsonl, RoundRecord", "old-run-kto/rounds.jsonl, RoundRecord"})
    void everyLineWritesBackAsItWasRead(String file, String record) throws IOException {
        Class<?> type = switch (record) {
            case "SampleRow" -> SampleRow.class;
            case "PairRow" -> PairRow.class;
            default -> RoundRecord.class;
        };
        List<String> lines = Files.readAllLines(RUNS.resolve(file), StandardCharsets.UTF_8);
        List<?> rows = Jsonl.read(RUNS.resolve(file), type);
        assertEquals(lines.size(), rows.size());
        for (int i = 0; i < lines.size(); i++) assertEquals(lines.get(i), Jsonl.ROWS.writeValueAsString(rows.get(i)), file + ":" + (i + 1));
    }

    @ParameterizedTest
    @CsvSource({"old-run/round-001/manifest.json", "old-run/round-002/manifest.json", "old-run-kto/round-001/manifest.json"})
    void aManifestWritesBackAsItWasRead(String file) throws IOException {
        Path tmp = Files.createTempFile("manifest", ".json");
        Jsonl.writePretty(tmp, Manifest.read(RUNS.resolve(file)));
        assertEquals(Files.readString(RUNS.resolve(file)), Files.readString(tmp));
        Files.delete(tmp);
    }

    @ParameterizedTest
    @CsvSource({"old-run/round-000/eval.json", "old-run/round-002/eval.json"})
    void evalJsonWritesBackAsItWasRead(String file) throws IOException {
        EvalResult e = Jsonl.ROWS.readValue(RUNS.resolve(file).toFile(), EvalResult.class);
        assertEquals(Files.readString(RUNS.resolve(file)), Jsonl.ROWS.writerWithDefaultPrettyPrinter().writeValueAsString(e) + "\n");
    }
}
