package org.jpo.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.UserError;
import org.jpo.io.SafeTensors.DType;
import org.jpo.io.SafeTensors.Entry;
import org.jpo.io.SafeTensors.Header;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The JSON side of safetensors: parsing and validating headers and indexes, encoding headers. */
final class SafeTensorsHeader {
    static final String METADATA = "__metadata__";
    /** The reference implementation's limit; a larger length means a corrupt or foreign file. */
    static final long MAX_HEADER = 100_000_000;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private SafeTensorsHeader() {}

    /** Reads the length prefix and JSON of {@code ch} and validates every entry against the file size. */
    static Header read(FileChannel ch, Path file) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw new UserError(file + ": not a safetensors file: " + size + " bytes, shorter than the 8-byte header length");
        }
        long n = readFully(ch, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (n < 0 || n > MAX_HEADER) {
            throw new UserError(file + ": header length " + Long.toUnsignedString(n) + " is larger than the "
                    + MAX_HEADER + "-byte limit (corrupt or not a safetensors file)");
        }
        if (n > size - 8) {
            throw new UserError(file + ": header length " + n + " exceeds the " + (size - 8) + " bytes after the length prefix");
        }
        byte[] json = readFully(ch, 8, (int) n).array();
        return parse(file, json, 8 + n, size - 8 - n);
    }

    private static ByteBuffer readFully(FileChannel ch, long position, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b, position + b.position()) < 0) throw new IOException("unexpected end of file");
        }
        return b.flip();
    }

    static Header parse(Path file, byte[] json, long dataStart, long dataSize) {
        JsonNode root = parseJson(file, json, "header");
        if (!root.isObject()) throw new UserError(file + ": header must be a JSON object, found " + root.getNodeType());
        Map<String, String> metadata = Map.of();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, JsonNode> f : root.properties()) {
            if (f.getKey().equals(METADATA)) metadata = strings(file, METADATA, f.getValue());
            else entries.add(entry(file, f.getKey(), f.getValue(), dataSize));
        }
        checkOverlaps(file, entries);
        return new Header(entries, metadata, dataStart);
    }

    private static JsonNode parseJson(Path file, byte[] json, String what) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new UserError(file + ": " + what + " is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UserError(file + ": cannot parse " + what + ": " + e.getMessage(), e);
        }
    }

    private static Entry entry(Path file, String name, JsonNode node, long dataSize) {
        String where = file + ": tensor \"" + name + "\"";
        if (!node.isObject()) throw new UserError(where + ": expected an object with dtype, shape and data_offsets");
        JsonNode dt = node.get("dtype");
        if (dt == null || !dt.isTextual()) throw new UserError(where + ": missing or non-string \"dtype\"");
        DType dtype = dtype(where, dt.asText());
        long[] shape = longs(where, node, "shape", -1);
        long[] off = longs(where, node, "data_offsets", 2);
        if (off[0] > off[1]) throw new UserError(where + ": data_offsets " + Arrays.toString(off) + " has begin > end");
        long need = bytes(where, dtype, shape);
        if (off[1] - off[0] != need) {
            throw new UserError(where + ": data_offsets " + Arrays.toString(off) + " span " + (off[1] - off[0])
                    + " bytes but " + dtype + " shape " + Arrays.toString(shape) + " needs " + need);
        }
        if (off[1] > dataSize) {
            throw new UserError(where + ": data_offsets " + Arrays.toString(off) + " lie outside the data buffer of "
                    + dataSize + " bytes");
        }
        return new Entry(name, dtype, shape, off[0], off[1]);
    }

    private static DType dtype(String where, String s) {
        try {
            return DType.valueOf(s);
        } catch (IllegalArgumentException e) {
            throw new UserError(where + ": unknown dtype \"" + s + "\"; expected one of " + Arrays.toString(DType.values()));
        }
    }

    /** A field holding an array of non-negative integers, of length {@code len} unless it is -1. */
    private static long[] longs(String where, JsonNode node, String field, int len) {
        JsonNode a = node.get(field);
        String expected = "\"" + field + "\" must be an array of " + (len < 0 ? "" : len + " ") + "non-negative integers";
        if (a == null || !a.isArray() || (len >= 0 && a.size() != len)) throw new UserError(where + ": " + expected + ", got " + a);
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = a.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong()) throw new UserError(where + ": " + expected + ", got " + a);
            out[i] = v.asLong();
            if (out[i] < 0) throw new UserError(where + ": negative value " + out[i] + " in \"" + field + "\" " + a);
        }
        return out;
    }

    private static long bytes(String where, DType dtype, long[] shape) {
        try {
            long n = dtype.size();
            for (long d : shape) n = Math.multiplyExact(n, d);
            return n;
        } catch (ArithmeticException e) {
            throw new UserError(where + ": shape " + Arrays.toString(shape) + " is too large");
        }
    }

    /** Tensors may leave gaps but must not share bytes; zero-size tensors occupy nothing. */
    private static void checkOverlaps(Path file, List<Entry> entries) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        Entry last = null;
        for (Entry e : sorted) {
            if (e.begin() == e.end()) continue;
            if (last != null && e.begin() < last.end()) {
                throw new UserError(file + ": tensors \"" + last.name() + "\" [" + last.begin() + ", " + last.end()
                        + ") and \"" + e.name() + "\" [" + e.begin() + ", " + e.end() + ") overlap");
            }
            if (last == null || e.end() > last.end()) last = e;
        }
    }

    private static Map<String, String> strings(Path file, String field, JsonNode node) {
        if (!node.isObject()) throw new UserError(file + ": \"" + field + "\" must be an object of strings, got " + node.getNodeType());
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> f : node.properties()) {
            if (!f.getValue().isTextual()) {
                throw new UserError(file + ": \"" + field + "\".\"" + f.getKey() + "\" must be a string, got " + f.getValue());
            }
            out.put(f.getKey(), f.getValue().asText());
        }
        return out;
    }

    /** The {@code weight_map} of a sharded model's index file: tensor name to shard file name. */
    static Map<String, String> readWeightMap(Path index) {
        byte[] json;
        try {
            json = Files.readAllBytes(index);
        } catch (IOException e) {
            throw new UserError(index + ": cannot read: " + e.getMessage(), e);
        }
        JsonNode root = parseJson(index, json, "index");
        JsonNode map = root.get("weight_map");
        if (map == null) throw new UserError(index + ": missing \"weight_map\"");
        Map<String, String> weightMap = strings(index, "weight_map", map);
        for (String shard : weightMap.values()) {
            Path p = Path.of(shard);
            if (p.isAbsolute() || p.getNameCount() != 1) {
                throw new UserError(index + ": shard \"" + shard + "\" must be a file name in the model directory");
            }
        }
        return weightMap;
    }

    /** Header JSON for {@code entries}, {@code __metadata__} first, padded with spaces to a multiple of 8. */
    static byte[] encode(List<Entry> entries, Map<String, String> metadata) {
        ObjectNode root = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = root.putObject(METADATA);
            metadata.forEach(m::put);
        }
        for (Entry e : entries) {
            ObjectNode t = root.putObject(e.name());
            t.put("dtype", e.dtype().name());
            ArrayNode shape = t.putArray("shape");
            for (long d : e.shape()) shape.add(d);
            t.putArray("data_offsets").add(e.begin()).add(e.end());
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a safetensors header", e);
        }
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }
}
