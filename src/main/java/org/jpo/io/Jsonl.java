package org.jpo.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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

    private Jsonl() {}

    /** One parsed line and where it came from. */
    public record Line(Path file, int number, ObjectNode json) {
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
    }

    /** Every non-blank line of a JSONL file (optionally .gz), each a JSON object. */
    public static List<Line> read(Path file) {
        if (!Files.isRegularFile(file)) throw new UserError("input file not found: " + file);
        List<Line> lines = new ArrayList<>();
        try (var in = new BufferedInputStream(file.toString().endsWith(".gz")
                ? new GZIPInputStream(Files.newInputStream(file)) : Files.newInputStream(file))) {
            var bytes = new ByteArrayOutputStream();
            int number = 0;
            for (int b = in.read(); ; b = in.read()) {
                if (b == '\n' || b < 0) {
                    if (b >= 0 || bytes.size() > 0) {
                        number++;
                        String s = utf8(file, number, bytes.toByteArray());
                        if (!s.isBlank()) lines.add(new Line(file, number, parse(file, number, s)));
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
        return lines;
    }

    /** Decodes one line strictly, so a bad byte is reported on its own line. */
    private static String utf8(Path file, int number, byte[] line) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(line)).toString();
        } catch (CharacterCodingException e) {
            throw new UserError(file + ":" + number + ": not valid UTF-8");
        }
    }

    private static ObjectNode parse(Path file, int number, String s) {
        JsonNode n;
        try {
            n = JSON.readTree(s);
        } catch (JsonProcessingException e) {
            throw new UserError(file + ":" + number + ": invalid JSON (" + e.getOriginalMessage() + ")");
        }
        if (!(n instanceof ObjectNode o)) throw new UserError(file + ":" + number + ": expected a JSON object, got " + s.strip());
        return o;
    }

    /** Writes one JSON object per line to {@code file} via a temporary file and an atomic rename. */
    public static void write(Path file, List<? extends JsonNode> rows) {
        Path abs = file.toAbsolutePath();
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
        try {
            if (abs.getParent() != null) Files.createDirectories(abs.getParent());
            try (var w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                for (JsonNode r : rows) {
                    w.write(JSON.writeValueAsString(r));
                    w.write('\n');
                }
            }
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
