package org.jpo.io;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.jpo.UserError;
import org.jpo.io.SafeTensors.DType;
import org.jpo.io.SafeTensors.Entry;
import org.jpo.io.SafeTensors.Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.jpo.tensor.Tensors.*;
import static org.junit.jupiter.api.Assertions.*;

class SafeTensorsTest {
    @TempDir Path dir;

    // ---- round trips through our own writer and reader

    @Test void roundTripsEveryDtypeWithExactBits() {
        try (PointerScope scope = new PointerScope()) {
            float bf = Math.scalb(1f, 120);
            float[] bf16Values = {1f, -3.5f, 0.15625f, bf};
            for (float v : bf16Values) assertEquals(0, Float.floatToIntBits(v) & 0xFFFF, "bf16-exact test value " + v);
            double[] f64 = {1.0 / 3, -0.0, 1e300, Double.MIN_VALUE};
            float[] f32 = {0.1f, -2.5f, Float.MAX_VALUE, 1e-40f};
            LinkedHashMap<String, Tensor> in = new LinkedHashMap<>();
            in.put("f64", doubles(f64, 2, 2));
            in.put("f32", floats(f32, 4));
            in.put("f16", floats(new float[] {1.5f, -2.25f, 65504f, (float) Math.scalb(1.0, -24)}, 2, 2).to(ScalarType.Half));
            in.put("bf16", floats(bf16Values, 1, 4).to(ScalarType.BFloat16));
            in.put("i64", longs(new long[] {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE}, 4));
            in.put("i32", longs(new long[] {Integer.MIN_VALUE, -7, 123456789, Integer.MAX_VALUE}, 4).to(ScalarType.Int));
            in.put("i16", longs(new long[] {-32768, -1, 1, 32767}, 2, 2).to(ScalarType.Short));
            in.put("i8", longs(new long[] {-128, -1, 0, 127}, 4).to(ScalarType.Char));
            in.put("u8", longs(new long[] {0, 1, 128, 255}, 4).to(ScalarType.Byte));
            in.put("bool", longs(new long[] {1, 0, 0, 1}, 4).to(ScalarType.Bool));
            in.put("scalar", floats(new float[] {42f}));
            in.put("empty", floats(new float[0], 0, 3));
            Path f = dir.resolve("all.safetensors");
            SafeTensors.write(f, in, Map.of());

            LinkedHashMap<String, Tensor> got = SafeTensors.read(f);
            assertEquals(List.copyOf(in.keySet()), List.copyOf(got.keySet()));
            for (String k : in.keySet()) {
                assertEquals(in.get(k).scalar_type().intern(), got.get(k).scalar_type().intern(), k);
                assertArrayEquals(sizes(in.get(k)), sizes(got.get(k)), k);
            }
            double[] f64Got = toDoubles(got.get("f64"));
            for (int i = 0; i < f64.length; i++) {
                assertEquals(Double.doubleToRawLongBits(f64[i]), Double.doubleToRawLongBits(f64Got[i]), "f64[" + i + "]");
            }
            float[] f32Got = toFloats(got.get("f32"));
            for (int i = 0; i < f32.length; i++) {
                assertEquals(Float.floatToRawIntBits(f32[i]), Float.floatToRawIntBits(f32Got[i]), "f32[" + i + "]");
            }
            // IEEE half bit patterns of 1.5, -2.25, 65504 (max) and 2^-24 (smallest subnormal)
            assertArrayEquals(new long[] {0x3E00, (short) 0xC080, 0x7BFF, 0x0001}, toLongs(got.get("f16").view(ScalarType.Short)));
            long[] bf16Bits = new long[4];
            for (int i = 0; i < 4; i++) bf16Bits[i] = (short) (Float.floatToIntBits(bf16Values[i]) >>> 16);
            assertArrayEquals(bf16Bits, toLongs(got.get("bf16").view(ScalarType.Short)));
            assertArrayEquals(new long[] {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE}, toLongs(got.get("i64")));
            assertArrayEquals(new long[] {Integer.MIN_VALUE, -7, 123456789, Integer.MAX_VALUE}, toLongs(got.get("i32")));
            assertArrayEquals(new long[] {-32768, -1, 1, 32767}, toLongs(got.get("i16")));
            assertArrayEquals(new long[] {-128, -1, 0, 127}, toLongs(got.get("i8")));
            assertArrayEquals(new long[] {0, 1, 128, 255}, toLongs(got.get("u8")));
            assertArrayEquals(new long[] {1, 0, 0, 1}, toLongs(got.get("bool")));
            assertArrayEquals(new float[] {42f}, toFloats(got.get("scalar")));
            assertEquals(0, got.get("empty").numel());

            // the reader hands out owned copies: an in-place op must work (on a read-only mapping it would crash)
            got.get("scalar").add_(s(1));
            assertArrayEquals(new float[] {43f}, toFloats(got.get("scalar")));
        }
    }

    @Test void writesMetadataAndBackToBackOffsets() throws IOException {
        try (PointerScope scope = new PointerScope()) {
            LinkedHashMap<String, Tensor> in = new LinkedHashMap<>();
            in.put("b", floats(new float[] {1, 2, 3}, 3));
            in.put("a", longs(new long[] {5, 6}, 2, 1));
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("format", "pt");
            meta.put("note", "ünïcödé \"quoted\"");
            Path f = dir.resolve("m.safetensors");
            SafeTensors.write(f, in, meta);

            Header h = SafeTensors.readHeader(f);
            assertEquals(meta, h.metadata());
            assertEquals(List.of("b", "a"), h.entries().stream().map(Entry::name).toList());
            Entry b = h.entries().get(0), a = h.entries().get(1);
            assertEquals(DType.F32, b.dtype());
            assertArrayEquals(new long[] {3}, b.shape());
            assertEquals(0, b.begin());
            assertEquals(12, b.end());
            assertEquals(DType.I64, a.dtype());
            assertArrayEquals(new long[] {2, 1}, a.shape());
            assertEquals(12, a.begin());
            assertEquals(28, a.end());
            assertEquals(h.dataStart() + 28, Files.size(f));
            assertFalse(Files.exists(dir.resolve("m.safetensors.tmp")), "temp file renamed away");
        }
    }

    @Test void headerIsPaddedWithSpacesToAMultipleOfEight() throws IOException {
        int padded = 0;
        try (PointerScope scope = new PointerScope()) {
            for (int len = 1; len <= 8; len++) {
                Path f = dir.resolve("p" + len + ".safetensors");
                SafeTensors.write(f, Map.of("x".repeat(len), floats(new float[] {1f}, 1)), Map.of());
                byte[] raw = Files.readAllBytes(f);
                long n = ByteBuffer.wrap(raw, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
                assertEquals(0, n % 8, "header length " + n);
                String json = new String(raw, 8, (int) n, StandardCharsets.UTF_8);
                int close = json.lastIndexOf('}');
                assertTrue(json.substring(close + 1).isBlank() && json.substring(close + 1).chars().allMatch(c -> c == ' '));
                assertTrue(n - (close + 1) < 8);
                if (close + 1 < n) padded++;
                assertEquals(8 + n + 4, raw.length);
            }
        }
        assertEquals(7, padded, "names of 8 consecutive lengths: all but one need padding");
    }

    // ---- a file built by hand, independent of the writer

    @Test void readsAHandBuiltFileWithAGapAndUnpaddedHeader() throws IOException {
        String json = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[4,20]},"
                + "\"__metadata__\":{\"format\":\"pt\"},"
                + "\"ids\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[20,36]},"
                + "\"h\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[36,42]}}";
        ByteBuffer data = ByteBuffer.allocate(42).order(ByteOrder.LITTLE_ENDIAN);
        data.putInt(0xDEADBEEF);                                   // a 4-byte gap nobody owns
        data.putFloat(1.5f).putFloat(-2f).putFloat(0.25f).putFloat(8f);
        data.putLong(7).putLong(-9_000_000_000L);
        data.putShort((short) 0x3F80).putShort((short) 0xC0A0).putShort((short) 0x4049);   // bf16 1, -5, 3.140625
        Path f = rawFile("hand.safetensors", json, data.array());

        Header h = SafeTensors.readHeader(f);
        assertEquals(8 + json.getBytes(StandardCharsets.UTF_8).length, h.dataStart());
        assertEquals(Map.of("format", "pt"), h.metadata());
        try (PointerScope scope = new PointerScope()) {
            LinkedHashMap<String, Tensor> got = SafeTensors.read(f);
            assertEquals(List.of("w", "ids", "h"), List.copyOf(got.keySet()));
            assertArrayEquals(new long[] {2, 2}, sizes(got.get("w")));
            assertArrayEquals(new float[] {1.5f, -2f, 0.25f, 8f}, toFloats(got.get("w")));
            assertEquals(ScalarType.Long, got.get("ids").scalar_type().intern());
            assertArrayEquals(new long[] {7, -9_000_000_000L}, toLongs(got.get("ids")));
            assertEquals(ScalarType.BFloat16, got.get("h").scalar_type().intern());
            assertArrayEquals(new float[] {1f, -5f, 3.140625f}, toFloats(got.get("h")));
        }
    }

    @Test void readsATensorBeyondTwoGibibytesIntoTheFile() throws IOException {
        long at = 3_000_000_000L;   // a sparse file: costs no disk
        String json = "{\"far\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[" + at + "," + (at + 8) + "]}}";
        Path f = rawFile("far.safetensors", json, new byte[0]);
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.seek(raf.length() + at);
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(2.5f).putFloat(-1f).array());
        }
        try (PointerScope scope = new PointerScope()) {
            assertArrayEquals(new float[] {2.5f, -1f}, toFloats(SafeTensors.read(f).get("far")));
        }
    }

    // ---- validation

    @Test void rejectsTooShortAndAbsurdHeaderLengths() throws IOException {
        Path shortFile = dir.resolve("short.safetensors");
        Files.write(shortFile, new byte[5]);
        assertError(shortFile, "5 bytes, shorter than the 8-byte header length", null);

        Path absurd = dir.resolve("absurd.safetensors");
        Files.write(absurd, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(200_000_000).array());
        assertError(absurd, "header length 200000000 is larger than the 100000000-byte limit", null);

        Path huge = dir.resolve("huge.safetensors");
        Files.write(huge, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-1).array());
        assertError(huge, "header length 18446744073709551615 is larger", null);

        Path beyond = dir.resolve("beyond.safetensors");
        Files.write(beyond, ByteBuffer.allocate(58).order(ByteOrder.LITTLE_ENDIAN).putLong(100).array());
        assertError(beyond, "header length 100 exceeds the 50 bytes after the length prefix", null);
    }

    /** One bad header per row: JSON, data buffer size, expected message fragment, tensor to name. */
    @Test void rejectsBadHeadersNamingFileAndTensor() throws IOException {
        String ok = "\"shape\":[2],\"data_offsets\":[0,8]";
        String[][] cases = {
            {"{\"w\": ", "8", "header is not valid JSON", null},
            {"[1, 2]", "8", "header must be a JSON object, found ARRAY", null},
            {"{\"w\":{\"dtype\":\"F32\"," + ok + "}} junk", "8", "header is not valid JSON", null},
            {"{\"w\":{\"dtype\":\"F32\"," + ok + "},\"w\":{\"dtype\":\"F32\"," + ok + "}}", "8", "Duplicate field 'w'", null},
            {"{\"w\":[1]}", "8", "expected an object with dtype, shape and data_offsets", "w"},
            {"{\"w\":{\"dtype\":\"F33\"," + ok + "}}", "8", "unknown dtype \"F33\"; expected one of [F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL]", "w"},
            {"{\"w\":{" + ok + "}}", "8", "missing or non-string \"dtype\"", "w"},
            {"{\"w\":{\"dtype\":4," + ok + "}}", "8", "missing or non-string \"dtype\"", "w"},
            {"{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", "8", "\"shape\" must be an array of non-negative integers, got null", "w"},
            {"{\"w\":{\"dtype\":\"F32\",\"shape\":\"2\",\"data_offsets\":[0,8]}}", "8", "\"shape\" must be an array", "w"},
            {"{\"w\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", "8", "\"shape\" must be an array", "w"},
            {"{\"w\":{\"dtype\":\"F32\",\"shape\":[-2, -1],\"data_offsets\":[0,8]}}", "8", "negative value -2 in \"shape\"", "w"},
            {"{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", "8", "\"data_offsets\" must be an array of 2 non-negative integers, got null", "w"},
            {"{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4,8]}}", "8", "\"data_offsets\" must be an array of 2", "w"},
            {"{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", "8", "has begin > end", "w"},
            {"{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}}", "16", "data_offsets [0, 12] span 12 bytes but F32 shape [2, 2] needs 16", "w"},
            {"{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", "8", "data_offsets [0, 16] lie outside the data buffer of 8 bytes", "w"},
            {"{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},\"b\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[8,24]}}",
                    "24", "tensors \"a\" [0, 16) and \"b\" [8, 24) overlap", null},
            {"{\"a\":{\"dtype\":\"U8\",\"shape\":[10],\"data_offsets\":[0,10]},\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[2,4]}}",
                    "10", "tensors \"a\" [0, 10) and \"b\" [2, 4) overlap", null},
            {"{\"__metadata__\":{\"n\":3}}", "0", "\"__metadata__\".\"n\" must be a string, got 3", null},
            {"{\"__metadata__\":[]}", "0", "\"__metadata__\" must be an object of strings, got ARRAY", null},
        };
        for (int i = 0; i < cases.length; i++) {
            String[] c = cases[i];
            Path f = rawFile("bad" + i + ".safetensors", c[0], new byte[Integer.parseInt(c[1])]);
            assertError(f, c[2], c[3]);
        }
    }

    @Test void rejectsASingleTensorOverTwoGibibytes() throws IOException {
        long n = 1L << 31;
        String json = "{\"big\":{\"dtype\":\"U8\",\"shape\":[" + n + "],\"data_offsets\":[0," + n + "]}}";
        Path f = rawFile("big.safetensors", json, new byte[0]);
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(raf.length() + n);   // sparse
        }
        assertEquals(n, SafeTensors.readHeader(f).entries().get(0).end(), "the header itself is valid");
        UserError e = assertThrows(UserError.class, () -> SafeTensors.read(f));
        assertEquals(f + ": tensor \"big\" is 2147483648 bytes; a single tensor larger than 2 GiB (2147483647 bytes)"
                + " cannot be read", e.getMessage());
    }

    // ---- model directories

    @Test void readsAShardedModelInWeightMapOrder() throws IOException {
        try (PointerScope scope = new PointerScope()) {
            LinkedHashMap<String, Tensor> s1 = new LinkedHashMap<>();
            s1.put("a", floats(new float[] {1, 2}, 2));
            s1.put("b", longs(new long[] {3}, 1));
            s1.put("unlisted", floats(new float[] {9}, 1));
            SafeTensors.write(dir.resolve("model-00001-of-00002.safetensors"), s1, Map.of());
            SafeTensors.write(dir.resolve("model-00002-of-00002.safetensors"),
                    Map.of("c", floats(new float[] {4, 5, 6}, 3, 1)), Map.of());
            writeIndex("\"c\": \"model-00002-of-00002.safetensors\", \"a\": \"model-00001-of-00002.safetensors\","
                    + " \"b\": \"model-00001-of-00002.safetensors\"");

            LinkedHashMap<String, Tensor> got = SafeTensors.readModel(dir);
            assertEquals(List.of("c", "a", "b"), List.copyOf(got.keySet()));
            assertArrayEquals(new float[] {4, 5, 6}, toFloats(got.get("c")));
            assertArrayEquals(new long[] {3, 1}, sizes(got.get("c")));
            assertArrayEquals(new float[] {1, 2}, toFloats(got.get("a")));
            assertArrayEquals(new long[] {3}, toLongs(got.get("b")));

            writeIndex("\"a\": \"model-00001-of-00002.safetensors\", \"d\": \"model-00002-of-00002.safetensors\"");
            UserError e = assertThrows(UserError.class, () -> SafeTensors.readModel(dir));
            assertTrue(e.getMessage().contains("tensor \"d\" is mapped to ")
                    && e.getMessage().contains("model-00002-of-00002.safetensors, which lacks it")
                    && e.getMessage().contains(SafeTensors.INDEX_FILE), e.getMessage());

            writeIndex("\"a\": \"model-00003-of-00002.safetensors\"");
            e = assertThrows(UserError.class, () -> SafeTensors.readModel(dir));
            assertTrue(e.getMessage().contains("model-00003-of-00002.safetensors does not exist"), e.getMessage());

            writeIndex("\"a\": \"../model-00001-of-00002.safetensors\"");
            e = assertThrows(UserError.class, () -> SafeTensors.readModel(dir));
            assertTrue(e.getMessage().contains("must be a file name in the model directory"), e.getMessage());
        }
    }

    @Test void readsASingleFileModelAndNamesBothFilesWhenMissing() {
        Path empty = dir.resolve("empty-model");
        empty.toFile().mkdir();
        UserError e = assertThrows(UserError.class, () -> SafeTensors.readModel(empty));
        assertEquals(empty + ": no model weights: expected model.safetensors or model.safetensors.index.json", e.getMessage());
        try (PointerScope scope = new PointerScope()) {
            SafeTensors.write(empty.resolve("model.safetensors"), Map.of("w", floats(new float[] {7}, 1)), Map.of());
            assertArrayEquals(new float[] {7}, toFloats(SafeTensors.readModel(empty).get("w")));
        }
    }

    // ---- helpers

    private Path rawFile(String name, String json, byte[] data) throws IOException {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        Path f = dir.resolve(name);
        Files.write(f, b.array());
        return f;
    }

    private void writeIndex(String weightMap) throws IOException {
        Files.writeString(dir.resolve(SafeTensors.INDEX_FILE),
                "{\"metadata\": {\"total_size\": 28}, \"weight_map\": {" + weightMap + "}}");
    }

    private static void assertError(Path f, String fragment, String tensor) {
        List<Runnable> calls = new ArrayList<>();
        calls.add(() -> SafeTensors.readHeader(f));
        calls.add(() -> SafeTensors.read(f));
        for (Runnable call : calls) {
            UserError e = assertThrows(UserError.class, call::run, fragment);
            String m = e.getMessage();
            assertTrue(m.startsWith(f + ": "), "names the file: " + m);
            assertTrue(m.contains(fragment), "expected '" + fragment + "' in: " + m);
            if (tensor != null) assertTrue(m.contains("tensor \"" + tensor + "\""), "names the tensor: " + m);
        }
    }
}
