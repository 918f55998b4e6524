package org.jpo.eval;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.databind.JsonNode;
import org.jpo.UserError;
import org.jpo.io.RunDir;
import org.jpo.pairs.PairRow;
import org.jpo.sampling.SampleRow;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A {@code jpo run} directory as the report reads it, leniently: the report is written after every round, so a file
 * that is missing or has a bad line is noted (shown at the top of the report) and skipped, never thrown.
 */
final class RunView {
    final RunDir dir;
    /** rounds.jsonl by round number; round 0 is the starting policy. A round written twice (resume) keeps the last. */
    final TreeMap<Integer, RoundRecord> rounds = new TreeMap<>();
    /** The same lines as written, for the report's data block (a newer jpo's keys included). */
    final TreeMap<Integer, JsonNode> lines = new TreeMap<>();
    final List<String> notes = new ArrayList<>();

    /** One line of a round's train/metrics.jsonl: step, epoch and TRL's metric names. */
    record TrainLog(@JsonAnyGetter @JsonAnySetter Map<String, Double> values) {}

    RunView(Path root) {
        if (!Files.isDirectory(root)) throw new UserError(root + ": not a directory");
        this.dir = new RunDir(root);
        for (RunDir.Read<RoundRecord> r : dir.readLenient(Path.of(RunDir.ROUNDS), RoundRecord.class, notes)) {
            rounds.put(r.row().round(), r.row());
            lines.put(r.row().round(), flat(r.json()));
        }
    }

    /** A line with its scorers' eval summary ({@code eval/feedback}) also as top-level {@code eval/<key>}s, as {@link EvalResult#byKey} lists them. */
    private static JsonNode flat(JsonNode line) {
        JsonNode summary = line.get("eval/feedback");
        if (summary == null || !summary.isObject() || !(line instanceof com.fasterxml.jackson.databind.node.ObjectNode o)) return line;
        com.fasterxml.jackson.databind.node.ObjectNode out = o.deepCopy();
        summary.fields().forEachRemaining(e -> out.set("eval/" + e.getKey(), e.getValue()));
        return out;
    }

    /** The last finished round (0 when only the starting policy was evaluated, -1 when nothing was). */
    int lastRound() { return rounds.isEmpty() ? -1 : rounds.lastKey(); }

    List<SampleRow> evalSamples(int round) { return read(round, RunDir.RoundFile.EVAL_SAMPLES, SampleRow.class); }

    List<SampleRow> samples(int round) { return read(round, RunDir.RoundFile.SAMPLES, SampleRow.class); }

    List<PairRow> pairs(int round) { return read(round, RunDir.RoundFile.PAIRS, PairRow.class); }

    List<TrainLog> trainLog(int round) {
        return read(dir.root().relativize(dir.file(round, RunDir.RoundFile.TRAIN).resolve("metrics.jsonl")), TrainLog.class);
    }

    /** The resolved config as text, or null. */
    String config() {
        Path f = dir.file(RunDir.CONFIG);
        try {
            return Files.isRegularFile(f) ? Files.readString(f) : null;
        } catch (IOException e) {
            notes.add(RunDir.CONFIG + ": cannot read (" + e.getMessage() + ")");
            return null;
        }
    }

    private <T> List<T> read(int round, RunDir.RoundFile f, Class<T> type) {
        return read(dir.root().relativize(dir.file(round, f)), type);
    }

    private <T> List<T> read(Path relative, Class<T> type) {
        return dir.readLenient(relative, type, notes).stream().map(RunDir.Read::row).toList();
    }
}
