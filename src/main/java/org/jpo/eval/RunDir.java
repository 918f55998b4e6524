package org.jpo.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.UserError;
import org.jpo.io.Jsonl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * A {@code jpo run} directory, read leniently: the report is written after every round, so a file that is missing
 * or has a bad line is noted (shown at the top of the report) and skipped, never thrown.
 */
final class RunDir {
    final Path dir;
    /** rounds.jsonl by round number; round 0 is the starting policy. A round written twice (resume) keeps the last. */
    final TreeMap<Integer, ObjectNode> rounds = new TreeMap<>();
    final List<String> notes = new ArrayList<>();

    RunDir(Path dir) {
        if (!Files.isDirectory(dir)) throw new UserError(dir + ": not a directory");
        this.dir = dir;
        for (ObjectNode row : lines(dir.resolve("rounds.jsonl"))) {
            if (row.path("round").canConvertToInt()) rounds.put(row.get("round").intValue(), row);
            else notes.add("rounds.jsonl: a line without an integer \"round\" was skipped");
        }
    }

    /** The last finished round (0 when only the starting policy was evaluated, -1 when nothing was). */
    int lastRound() { return rounds.isEmpty() ? -1 : rounds.lastKey(); }

    /** The rows of {@code round-NNN/name}; empty when the file does not exist. */
    List<ObjectNode> lines(int round, String name) {
        return lines(dir.resolve("round-%03d".formatted(round)).resolve(name));
    }

    /** The resolved config as text, or null. */
    String config() {
        Path f = dir.resolve("config.resolved.yaml");
        try {
            return Files.isRegularFile(f) ? Files.readString(f) : null;
        } catch (IOException e) {
            notes.add("config.resolved.yaml: cannot read (" + e.getMessage() + ")");
            return null;
        }
    }

    private List<ObjectNode> lines(Path file) {
        List<ObjectNode> rows = new ArrayList<>();
        if (!Files.isRegularFile(file)) return rows;
        try {
            for (Jsonl.Entry e : Jsonl.entries(file)) {
                if (e instanceof Jsonl.Line l) rows.add(l.json());
                else if (e instanceof Jsonl.Malformed m) notes.add(dir.relativize(file) + ":" + m.number() + ": skipped (" + m.reason() + ")");
            }
        } catch (UserError e) {
            notes.add(e.getMessage());
        }
        return rows;
    }
}
