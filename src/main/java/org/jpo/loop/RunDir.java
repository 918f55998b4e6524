package org.jpo.loop;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.UserError;
import org.jpo.io.Jsonl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The run directory (a contract): {@code config.resolved.yaml}, {@code rounds.jsonl}, {@code report.html} and one
 * {@code round-NNN/} per round. The loop's state lives here, so a killed run resumes from it: every file is written
 * under a temporary name and renamed when complete, so a file that exists is whole.
 */
record RunDir(Path root) {
    private static final Logger log = LoggerFactory.getLogger(RunDir.class);
    static final String CONFIG = "config.resolved.yaml", ROUNDS = "rounds.jsonl";
    /** Files of a round, in the order its phases write them. */
    static final String COMPLETIONS = "completions.jsonl", SAMPLES = "samples.jsonl", PAIRS = "pairs.jsonl", TRAIN = "train",
            CHECKPOINT = "checkpoint", REFERENCE = "reference", EVAL_SAMPLES = "eval_samples.jsonl", EVAL = "eval.json",
            MANIFEST = "manifest.json";

    Path round(int r) { return root.resolve(String.format("round-%03d", r)); }

    Path file(int r, String name) { return round(r).resolve(name); }

    boolean has(int r, String name) { return Files.exists(file(r, name)); }

    /** The rounds whose line is in rounds.jsonl: finished, in order (0 is the starting policy's eval). */
    List<ObjectNode> finished() {
        Path f = root.resolve(ROUNDS);
        return Files.exists(f) ? Jsonl.read(f).stream().map(Jsonl.Line::json).toList() : List.of();
    }

    static void writeText(Path file, String text) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.writeString(tmp, text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
        move(tmp, file);
    }

    static ObjectNode readJson(Path file) {
        try {
            return (ObjectNode) Jsonl.JSON.readTree(file.toFile());
        } catch (IOException | ClassCastException e) {
            throw new UserError(file + ": not a JSON object (" + e.getMessage() + "); delete it to redo its phase");
        }
    }

    private static void move(Path tmp, Path file) {
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** SHA-256 of a file, or of a directory's files (their relative names and contents, in name order). */
    static String sha256(Path p) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.walk(p)) {
                    for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
                        sha.update(p.relativize(f).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
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

    /** {@code best} → the best round's checkpoint (a relative symlink), or to the starting policy when no round beat it. */
    void pointBest(Optional<Integer> round, Path initialPolicy) {
        Path link = root.resolve("best");
        try {
            Files.deleteIfExists(link);
            Path target = round.map(r -> root.relativize(file(r, CHECKPOINT))).orElse(initialPolicy.toAbsolutePath());
            Files.createSymbolicLink(link, target);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot link " + link + ": " + e.getMessage(), e);
        }
    }

    /** sha256 of every input: prompt files, the starting policy, the tokenizer. */
    static ObjectNode inputHashes(LoopConfig c) {
        ObjectNode o = Jsonl.JSON.createObjectNode();
        o.put(c.prompts().file().toString(), sha256(c.prompts().file()));
        c.prompts().evalFile().ifPresent(f -> o.put(f.toString(), sha256(f)));
        o.put(c.policy().toString(), sha256(c.policy()));
        c.tokenizer().ifPresent(t -> o.put(t.toString(), sha256(t)));
        return o;
    }

    /** A started run continues only with --resume and the same config (more rounds allowed). */
    void checkResume(LoopConfig c, boolean resume) {
        Path saved = root.resolve(CONFIG);
        if (!Files.exists(saved)) {
            if (resume) log.info("--resume: {} holds no run yet; starting from the beginning", root);
            return;
        }
        if (!resume) {
            throw new UserError(root + " holds a run already (" + CONFIG + "); add --resume to continue it, or choose another output_dir");
        }
        List<String> was = changed(readString(saved)), now = changed(c.toYaml());
        for (int i = 0; i < Math.min(was.size(), now.size()); i++) {
            if (!was.get(i).equals(now.get(i))) {
                throw new UserError("--resume: the config differs from the run's in " + saved + ": '" + was.get(i).strip() + "' is now '"
                        + now.get(i).strip() + "' (only rounds may change when resuming)");
            }
        }
    }

    /** The config's key lines, without comments and the rounds line. */
    private static List<String> changed(String yaml) {
        return yaml.lines().filter(l -> !l.isBlank() && !l.strip().startsWith("#") && !l.startsWith("rounds:")).toList();
    }

    private static String readString(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }
}
