package org.jpo.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.io.Jsonl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code metrics.jsonl}: one line per logging step (and per evaluation, with {@code eval_} names). A resumed
 * run first drops the lines written after its checkpoint, so the file ends up as an uninterrupted run's.
 */
final class MetricsLog {
    /** Where the other ranks of a data-parallel run log: nowhere (rank 0 writes the file). */
    static final MetricsLog NONE = new MetricsLog();

    private final Path file;

    private MetricsLog() { this.file = null; }

    MetricsLog(Path file, long resumeStep) {
        this.file = file;
        if (resumeStep == 0) {
            write(List.of(), StandardOpenOption.TRUNCATE_EXISTING);
        } else if (Files.exists(file)) {
            List<String> kept = new ArrayList<>();
            for (Jsonl.Line l : Jsonl.read(file)) if (l.json().path("step").asLong() <= resumeStep) kept.add(l.json().toString());
            write(kept, StandardOpenOption.TRUNCATE_EXISTING);
        }
    }

    void log(long step, double epoch, Map<String, Double> metrics) {
        if (file == null) return;
        ObjectNode o = Jsonl.JSON.createObjectNode();
        o.put("step", step);
        o.put("epoch", Math.round(epoch * 1e4) / 1e4);
        metrics.forEach(o::put);
        write(List.of(o.toString()), StandardOpenOption.APPEND);
    }

    static List<JsonNode> read(Path file) { return Jsonl.read(file).stream().map(l -> (JsonNode) l.json()).toList(); }

    private void write(List<String> lines, StandardOpenOption mode) {
        try {
            StringBuilder sb = new StringBuilder();
            for (String l : lines) sb.append(l).append('\n');
            Files.writeString(file, sb, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.WRITE, mode);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
