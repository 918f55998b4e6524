package org.jpo.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import org.jpo.UserError;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A {@code jpo run} directory (its layout is a contract): {@code config.resolved.yaml}, {@code rounds.jsonl},
 * {@code report.html} and one {@code round-NNN/} per round holding the {@link RoundFile}s. The loop writes it and the
 * report (or any later reader) reads it through this one class. Every file is written under a temporary name and
 * renamed when complete, so a file that exists is whole.
 */
public record RunDir(Path root) {
    public static final String CONFIG = "config.resolved.yaml", ROUNDS = "rounds.jsonl", REPORT = "report.html", BEST = "best";

    /** The files of a round, in the order its phases write them. */
    public enum RoundFile {
        /** Sampled, not yet scored (deleted once samples.jsonl is written). */
        COMPLETIONS("completions.jsonl"),
        /** sampling.tree: every prompt's search tree, a node a row (written with samples.jsonl, just before it). */
        TREES("trees.jsonl"),
        SAMPLES("samples.jsonl"),
        PAIRS("pairs.jsonl"),
        /** egpo: the extrapolation step's training run, π_t → π_{t+½} on the round's pairs. */
        HALF_TRAIN("half/train"),
        /** egpo: π_{t+½}. */
        HALF_CHECKPOINT("half/checkpoint"),
        /** egpo: π_{t+½}'s samples of the round's prompts, scored. */
        HALF_SAMPLES("half/samples.jsonl"),
        /** egpo: their pairs, which the round's update from π_t trains on. */
        HALF_PAIRS("half/pairs.jsonl"),
        /** The round's training run: metrics.jsonl, in-round checkpoints, the resolved train config. */
        TRAIN("train"),
        CHECKPOINT("checkpoint"),
        /** reference: ema: the reference after this round's update. */
        REFERENCE("reference"),
        EVAL_SAMPLES("eval_samples.jsonl"),
        EVAL("eval.json"),
        MANIFEST("manifest.json");

        /** The name in the round's directory (and the key of the manifest's {@code outputs}). */
        public final String fileName;

        RoundFile(String fileName) { this.fileName = fileName; }
    }

    public Path round(int r) { return root.resolve(String.format("round-%03d", r)); }

    public Path file(int r, RoundFile f) { return round(r).resolve(f.fileName); }

    public boolean has(int r, RoundFile f) { return Files.exists(file(r, f)); }

    public Path file(String name) { return root.resolve(name); }

    /** {@code best} → the best round's checkpoint (a relative symlink), or to the starting policy when no round beat it. */
    public void linkBest(Optional<Integer> round, Path initialPolicy) {
        Path link = file(BEST);
        try {
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, round.map(r -> root.relativize(file(r, RoundFile.CHECKPOINT))).orElse(initialPolicy.toAbsolutePath()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot link " + link + ": " + e.getMessage(), e);
        }
    }

    /** A row read leniently: the record and the line as written. */
    public record Read<T>(T row, JsonNode json) {}

    /**
     * The rows of {@code file} (relative to the root) that read as a {@code type}, for a reader that must not stop at a
     * bad line (the report, written after every round): what cannot be read is added to {@code notes}, never thrown. A
     * missing file is no rows.
     */
    public <T> List<Read<T>> readLenient(Path relative, Class<T> type, List<String> notes) {
        Path f = root.resolve(relative);
        List<Read<T>> rows = new ArrayList<>();
        if (!Files.isRegularFile(f)) return rows;
        try {
            for (Jsonl.Entry e : Jsonl.entries(f)) {
                if (e instanceof Jsonl.Malformed m) {
                    notes.add(root.relativize(f) + ":" + m.number() + ": skipped (" + m.reason() + ")");
                    continue;
                }
                JsonNode json = ((Jsonl.Line) e).json();
                try {
                    rows.add(new Read<>(Jsonl.ROWS.treeToValue(json, type), json));
                } catch (JsonProcessingException | IllegalArgumentException bad) {
                    notes.add(root.relativize(f) + ":" + e.number() + ": skipped (" + Jsonl.notA(type, bad) + ")");
                }
            }
        } catch (UserError e) {
            notes.add(e.getMessage());
        }
        return rows;
    }

    /** One JSON document as a {@code type}; a file that does not read names itself and how to redo its phase. */
    public static <T> T readJson(Path file, Class<T> type) {
        try {
            return Jsonl.ROWS.readValue(file.toFile(), type);
        } catch (IOException e) {
            throw new UserError(file + ": not a " + type.getSimpleName() + " (" + e.getMessage().lines().findFirst().orElse("")
                    + "); delete it to redo its phase");
        }
    }

    public static void writeText(Path file, String text) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    public static String readText(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    public static void createDirectories(Path d) {
        try {
            Files.createDirectories(d);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + d + ": " + e.getMessage(), e);
        }
    }

    /** SHA-256 of a file, or of a directory's files (their relative names and contents, in name order). */
    public static String sha256(Path p) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.walk(p)) {
                    for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
                        sha.update(p.relativize(f).toString().getBytes(StandardCharsets.UTF_8));
                        sha.update(HexFormat.of().parseHex(sha256(f)));
                    }
                }
            } else {
                try (InputStream in = Files.newInputStream(p)) {
                    byte[] buf = new byte[1 << 16];
                    for (int k; (k = in.read(buf)) > 0; ) sha.update(buf, 0, k);
                }
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
