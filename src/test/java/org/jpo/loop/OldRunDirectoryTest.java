package org.jpo.loop;

import org.jpo.io.DirLock;
import org.jpo.testing.Cli;
import org.jpo.testing.Shared;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The run directory is a contract: directories written by the code of commit a27ccdb (test resources, weights removed)
 * still load. {@code jpo report} rewrites their report byte for byte, and {@code --resume} on them reports them finished
 * without touching a file.
 */
class OldRunDirectoryTest {
    static final Path FIXTURES = Path.of("src/test/resources/runs/a27ccdb");

    @TempDir Path tmp;

    @ParameterizedTest @ValueSource(strings = {"old-run", "old-run-kto"})
    void reportRewritesTheOldReportByteForByte(String name) throws IOException {
        Path run = copy(name);
        Files.delete(run.resolve("report.html"));
        Cli.Result r = Cli.run("report", run.toString());
        assertEquals(0, r.exit(), r.toString());
        assertEquals(Files.readString(FIXTURES.resolve(name).resolve("report.html")), Files.readString(run.resolve("report.html")));
    }

    @ParameterizedTest @ValueSource(strings = {"old-run", "old-run-kto"})
    void resumeOnAFinishedOldRunReportsItFinished(String name) throws IOException {
        Path run = copy(name);
        Path prompts = Files.copy(FIXTURES.resolve("prompts.jsonl"), tmp.resolve("prompts.jsonl"));
        Path config = run.resolve("config.resolved.yaml");
        Files.writeString(config, Files.readString(config).replace("/tmp/fx/" + name, run.toString())
                .replace("/tmp/fx/prompts.jsonl", prompts.toString())
                .replace("/work/shared/models/stories260K/", Shared.stories260K().getParent() + "/"));
        List<Path> files = files(run);
        List<byte[]> before = files.stream().map(OldRunDirectoryTest::bytes).toList();

        Cli.Result r = Cli.run("--threads", "1", "run", config.toString(), "--resume");
        assertEquals(0, r.exit(), r.toString());
        int rounds = name.equals("old-run") ? 2 : 1;
        assertTrue(r.out().contains("finished: all " + rounds + " rounds are done"), r.toString());
        for (int i = 0; i < files.size(); i++) {
            if (files.get(i).getFileName().toString().equals("report.html")) continue;   // rewritten: it shows the relocated config
            assertArrayEquals(before.get(i), bytes(files.get(i)), files.get(i) + " changed");
        }
        assertEquals(files, files(run).stream().filter(f -> !Set.of("best", DirLock.FILE).contains(f.getFileName().toString())).toList(),
                "files added or removed");   // best: pointed again; .lock: the run's lock, taken by every run
    }

    private Path copy(String name) throws IOException {
        Path from = FIXTURES.resolve(name), to = tmp.resolve(name);
        for (Path f : files(from)) Files.copy(f, Files.createDirectories(to.resolve(from.relativize(f)).getParent()).resolve(f.getFileName()));
        return to;
    }

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> !Files.isDirectory(p)).sorted().toList();
        }
    }

    private static byte[] bytes(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
