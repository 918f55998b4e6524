package org.jpo.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.UserError;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * JSON Lines in and out. Reading validates UTF-8 and JSON line by line and names {@code file:line} in
 * every error; blank lines are skipped. Writing goes to a temporary file renamed into place when complete,
 * so a reader never sees half a file.
 */
public final class Jsonl {
    public static final ObjectMapper JSON = new ObjectMapper();
    /** Typed rows (records) under their snake_case names: {@code promptId} is written and read as {@code prompt_id}. */
    public static final ObjectMapper ROWS = JSON.copy().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    private Jsonl() {}

    /** A non-blank line of a JSONL file: a {@link Line} (a JSON object) or a {@link Malformed} one. */
    public sealed interface Entry permits Line, Malformed {
        Path file();

        int number();
    }

    /** One parsed line and where it came from. */
    public record Line(Path file, int number, ObjectNode json) implements Entry {
        /** "file:line: message", the form every data error takes. */
        public UserError error(String message) { return new UserError(file + ":" + number + ": " + message); }

        /** A required string field. */
        public String text(String field) {
            JsonNode v = json.get(field);
            if (v == null || !v.isTextual()) throw error("field '" + field + "' must be a string" + (v == null ? " (missing)" : ", got " + v));
            return v.textValue();
        }

        /** A required array of integers (token ids). */
        public int[] ids(String field) {
            JsonNode v = json.get(field);
            if (v == null || !v.isArray()) throw error("field '" + field + "' must be an array of token ids" + (v == null ? " (missing)" : ""));
            int[] out = new int[v.size()];
            for (int i = 0; i < out.length; i++) {
                JsonNode e = v.get(i);
                if (!e.isIntegralNumber() || !e.canConvertToInt()) throw error("field '" + field + "'[" + i + "] is not an integer: " + e);
                out[i] = e.intValue();
            }
            return out;
        }

        public boolean has(String field) { return json.has(field) && !json.get(field).isNull(); }

        /** This line as a {@code type} under snake_case names; a field of the wrong type or an unknown one names file:line. */
        public <T> T as(Class<T> type) {
            try {
                return ROWS.treeToValue(json, type);
            } catch (JsonProcessingException | IllegalArgumentException e) {
                throw error(notA(type, e));
            }
        }
    }

    /** Why a JSON object is not a {@code type}, in one line. */
    static String notA(Class<?> type, Exception e) {
        String why = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        return "not a " + type.getSimpleName() + " row (" + why.lines().findFirst().orElse("").strip() + ")";
    }

    /**
     * A line that is not a JSON object: invalid UTF-8 (its text then holds U+FFFD for the bad bytes), invalid
     * JSON, or another JSON value. Kept, rather than thrown, for readers that may skip bad rows.
     */
    public record Malformed(Path file, int number, String text, String reason) implements Entry {
        public UserError error() { return new UserError(file + ":" + number + ": " + reason); }
    }

    /** Every non-blank line of a JSONL file (optionally .gz), each a JSON object; the first bad line is an error. */
    public static List<Line> read(Path file) {
        List<Line> lines = new ArrayList<>();
        for (Entry e : entries(file)) {
            if (e instanceof Malformed m) throw m.error();
            lines.add((Line) e);
        }
        return lines;
    }

    /** Every row of a JSONL file as a {@code type} (a record under snake_case names); a bad line names file:line. */
    public static <T> List<T> read(Path file, Class<T> type) {
        List<T> rows = new ArrayList<>();
        for (Line l : read(file)) rows.add(l.as(type));
        return rows;
    }

    /** Every non-blank line of a JSONL file (optionally .gz), bad ones included as {@link Malformed}. */
    public static List<Entry> entries(Path file) {
        if (Files.isDirectory(file)) throw new UserError("input " + file + " is a directory, not a JSONL file");
        if (!Files.isRegularFile(file)) throw new UserError("input file not found: " + file);
        List<Entry> entries = new ArrayList<>();
        try (var in = new BufferedInputStream(file.toString().endsWith(".gz")
                ? new GZIPInputStream(Files.newInputStream(file)) : Files.newInputStream(file))) {
            var bytes = new ByteArrayOutputStream();
            int number = 0;
            for (int b = in.read(); ; b = in.read()) {
                if (b == '\n' || b < 0) {
                    if (b >= 0 || bytes.size() > 0) {
                        number++;
                        Entry e = entry(file, number, bytes.toByteArray());
                        if (e != null) entries.add(e);
                    }
                    bytes.reset();
                    if (b < 0) break;
                } else {
                    bytes.write(b);
                }
            }
        } catch (IOException e) {
            throw new UserError(file + ": cannot read (" + e.getMessage() + ")");
        }
        return entries;
    }

    /** One line decoded strictly (so a bad byte is reported on its own line) and parsed; null if blank. */
    private static Entry entry(Path file, int number, byte[] line) {
        String s;
        try {
            s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(line)).toString();
        } catch (CharacterCodingException e) {
            return new Malformed(file, number, new String(line, StandardCharsets.UTF_8), "not valid UTF-8");
        }
        if (s.isBlank()) return null;
        JsonNode n;
        try {
            n = JSON.readTree(s);
        } catch (JsonProcessingException e) {
            return new Malformed(file, number, s, "invalid JSON (" + e.getOriginalMessage() + ")");
        }
        if (!(n instanceof ObjectNode o)) return new Malformed(file, number, s, "expected a JSON object, got " + s.strip());
        return new Line(file, number, o);
    }

    /** Writes one JSON object per line to {@code file} via a temporary file and an atomic rename. */
    public static void write(Path file, List<?> rows) {
        Path abs = file.toAbsolutePath();
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
        try {
            if (abs.getParent() != null) Files.createDirectories(abs.getParent());
            try (var w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                for (Object r : rows) {
                    w.write(ROWS.writeValueAsString(r));
                    w.write('\n');
                }
            }
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes one JSON document, indented, to {@code file} (the manifests, stats and states people read), via a
     * temporary file and an atomic rename, so a reader (or a resumed run) never sees half of it.
     */
    public static void writePretty(Path file, Object o) {
        Path abs = file.toAbsolutePath();
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
        try {
            Files.writeString(tmp, ROWS.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n");
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
