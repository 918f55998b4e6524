package org.jpo.sampling;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import org.jpo.io.Jsonl;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
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
import java.util.TreeMap;

/**
 * Answers of an OpenAI-compatible server on disk, one file per request, so a resumed run does not pay for (or
 * re-randomize) requests it already made.
 *
 * <p>Layout: {@code DIR/ab/abcdef….json}, the name being the SHA-256 (hex) of {@code path + "\n" +} the body as
 * canonical JSON (object keys sorted, no whitespace), the two-character directory spreading entries so no directory
 * grows huge; the file holds the answer JSON only. Headers (the API key) are never part of either. Writes go to a
 * temporary file in the same directory moved into place atomically, so a kill mid-write leaves no half entry; an
 * entry that still fails to parse (a disk error, a hand edit) is a miss, and the next answer overwrites it.
 */
final class ResponseCache {
    private final Path dir;
    private final java.util.function.Supplier<String> scope;

    ResponseCache(Path dir) { this(dir, () -> ""); }

    /**
     * @param scope a subdirectory for the answers of the server as it is now, e.g. {@code round-002/eval}: a server whose
     *              weights change between rounds (the policy's own) answers the same request differently, so each
     *              state gets its own entries; "" = one scope
     */
    ResponseCache(Path dir, java.util.function.Supplier<String> scope) {
        this.dir = dir;
        this.scope = scope;
    }

    /** The cached answer to (path, body), or empty when absent or unreadable. */
    Optional<JsonNode> get(String path, JsonNode body) {
        Path file = file(key(path, body));
        if (!Files.isRegularFile(file)) return Optional.empty();
        try {
            JsonNode o = Jsonl.JSON.readTree(Files.readString(file));
            return o != null && o.isObject() ? Optional.of(o) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();   // truncated or corrupt: a miss, overwritten by the next answer
        }
    }

    /** Stores the answer to (path, body), replacing any entry, atomically. */
    void put(String path, JsonNode body, JsonNode answer) {
        Path file = file(key(path, body));
        Path tmp = null;
        try {
            Files.createDirectories(file.getParent());
            tmp = Files.createTempFile(file.getParent(), file.getFileName() + ".", ".tmp");
            try (OutputStream out = new FileOutputStream(tmp.toFile())) {   // not a FileChannel: an interrupt cannot abort it
                Jsonl.JSON.writeValue(out, answer);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the request cache entry " + file + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    Path file(String key) {
        String s = scope.get();
        return (s.isEmpty() ? dir : dir.resolve(s)).resolve(key.substring(0, 2)).resolve(key + ".json");
    }

    /** SHA-256 (hex) of {@code path + "\n" + canonical(body)}: equal requests hash equal whatever their key order. */
    static String key(String path, JsonNode body) {
        try {
            byte[] text = (path + "\n" + canonical(body)).getBytes(StandardCharsets.UTF_8);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** Compact JSON with every object's keys sorted, recursively. */
    static String canonical(JsonNode n) {
        try {
            return Jsonl.JSON.writeValueAsString(sorted(n));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot serialize a request body: " + e.getOriginalMessage(), e);
        }
    }

    /** The same JSON with every object's keys in name order: maps, lists and scalar nodes, which Jackson writes as JSON. */
    private static Object sorted(JsonNode n) {
        if (n.isObject()) {
            TreeMap<String, Object> fields = new TreeMap<>();
            n.properties().forEach(e -> fields.put(e.getKey(), sorted(e.getValue())));
            return fields;
        }
        if (n.isArray()) {
            List<Object> a = new ArrayList<>();
            n.forEach(e -> a.add(sorted(e)));
            return a;
        }
        return n;
    }

    private static void deleteQuietly(Path tmp) {
        if (tmp == null) return;
        try {
            Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
            // a stray *.tmp is never read as an entry
        }
    }
}
