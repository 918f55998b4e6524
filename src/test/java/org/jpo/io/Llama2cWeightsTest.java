package org.jpo.io;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.jpo.UserError;
import org.jpo.testing.Shared;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.jpo.tensor.Tensors.*;
import static org.junit.jupiter.api.Assertions.*;

class Llama2cWeightsTest {
    @TempDir Path dir;

    // stories260K float offsets (in floats after the 28-byte header), summed by hand from the README shapes
    private static final long TOK = 0, RMS_ATT = 32768, WQ = RMS_ATT + 320, WK = WQ + 20480, WV = WK + 10240,
            WO = WV + 10240, RMS_FFN = WO + 20480, W1 = RMS_FFN + 320, W2 = W1 + 55040, W3 = W2 + 55040,
            RMS_FINAL = W3 + 55040;

    @Test void readsStories260K() throws IOException {
        Path bin = Shared.stories260K();
        ByteBuffer raw = ByteBuffer.wrap(Files.readAllBytes(bin)).order(ByteOrder.LITTLE_ENDIAN);
        try (PointerScope scope = new PointerScope()) {
            Llama2cWeights w = Llama2cWeights.read(bin);
            assertEquals(new Llama2cWeights.Header(64, 172, 5, 8, 4, 512, 512, true), w.header());
            assertEquals(8, w.header().headDim());
            assertEquals(32, w.header().kvDim());

            Map<String, long[]> shapes = new java.util.LinkedHashMap<>();
            shapes.put("tok_embeddings", new long[] {512, 64});
            shapes.put("rms_att", new long[] {5, 64});
            shapes.put("wq", new long[] {5, 64, 64});
            shapes.put("wk", new long[] {5, 32, 64});
            shapes.put("wv", new long[] {5, 32, 64});
            shapes.put("wo", new long[] {5, 64, 64});
            shapes.put("rms_ffn", new long[] {5, 64});
            shapes.put("w1", new long[] {5, 172, 64});
            shapes.put("w2", new long[] {5, 64, 172});
            shapes.put("w3", new long[] {5, 172, 64});
            shapes.put("rms_final", new long[] {64});
            assertEquals(List.copyOf(shapes.keySet()), List.copyOf(w.tensors().keySet()));
            for (var e : shapes.entrySet()) {
                Tensor t = w.tensors().get(e.getKey());
                assertArrayEquals(e.getValue(), sizes(t), e.getKey());
                assertEquals(ScalarType.Float.value, t.scalar_type().value, e.getKey());   // JavaCPP enums from native calls are fresh objects
            }

            float[] tok = toFloats(w.tensors().get("tok_embeddings"));
            for (int i = 0; i < 4; i++) assertEquals(rawFloat(raw, TOK + i), tok[i], "tok_embeddings[0," + i + "]");
            assertEquals(rawFloat(raw, TOK + 403 * 64 + 17), item(at(w, "tok_embeddings", 403, 17)));
            assertEquals(rawFloat(raw, WQ + 4 * 64 * 64 + 63 * 64 + 63), item(at(w, "wq", 4, 63, 63)), "wq[4,63,63]");
            assertEquals(rawFloat(raw, WK + 1 * 32 * 64 + 31 * 64 + 5), item(at(w, "wk", 1, 31, 5)), "wk[1,31,5]");
            assertEquals(rawFloat(raw, WV + 3 * 32 * 64 + 7 * 64 + 60), item(at(w, "wv", 3, 7, 60)), "wv[3,7,60]");
            assertEquals(rawFloat(raw, WO + 2 * 64 * 64 + 1), item(at(w, "wo", 2, 0, 1)), "wo[2,0,1]");
            assertEquals(rawFloat(raw, W1 + 4 * 172 * 64 + 171 * 64 + 63), item(at(w, "w1", 4, 171, 63)), "w1[4,171,63]");
            assertEquals(rawFloat(raw, W2 + 2 * 64 * 172 + 10 * 172 + 171), item(at(w, "w2", 2, 10, 171)), "w2[2,10,171]");
            assertEquals(rawFloat(raw, W3 + 172 * 64 + 3), item(at(w, "w3", 1, 0, 3)), "w3[1,0,3]");
            assertEquals(rawFloat(raw, RMS_FFN + 4 * 64 + 9), item(at(w, "rms_ffn", 4, 9)), "rms_ffn[4,9]");
            float[] rmsAtt = toFloats(w.tensors().get("rms_att"));
            for (int i = 0; i < rmsAtt.length; i++) assertEquals(rawFloat(raw, RMS_ATT + i), rmsAtt[i], "rms_att flat " + i);
            assertEquals(rawFloat(raw, RMS_FINAL + 63), toFloats(w.tensors().get("rms_final"))[63], "rms_final[63]");
            // the rotary tables that follow rms_final fill the file to its end
            assertEquals(bin.toFile().length(), 28 + 4 * (RMS_FINAL + 64 + 2 * 512 * 4));
        }
    }

    @Test void readsAnUnsharedClassifierFromATinySyntheticFile() throws IOException {
        // D=4, F=8, L=1, H=2, KV heads=1 (hd=2, KV=2), V=3 stored as -3, S=2; every float is its own index
        int[] header = {4, 8, 1, 2, 1, -3, 2};
        long floats = 12 + 4 + 16 + 8 + 8 + 16 + 4 + 32 + 32 + 32 + 4 + 2 + 2 + 12;
        Path f = synthetic("tiny.bin", header, floats);
        try (PointerScope scope = new PointerScope()) {
            Llama2cWeights w = Llama2cWeights.read(f);
            assertEquals(new Llama2cWeights.Header(4, 8, 1, 2, 1, 3, 2, false), w.header());
            assertEquals("wcls", List.copyOf(w.tensors().keySet()).get(11));
            assertEquals(12, w.tensors().size());
            assertArrayEquals(new long[] {3, 4}, sizes(w.tensors().get("wcls")));
            float[] wcls = toFloats(w.tensors().get("wcls"));
            for (int i = 0; i < 12; i++) assertEquals(floats - 12 + i, wcls[i], "wcls flat " + i);
            assertArrayEquals(new float[] {0, 1, 2, 3}, Arrays.copyOf(toFloats(w.tensors().get("tok_embeddings")), 4));
            assertArrayEquals(new long[] {1, 2, 4}, sizes(w.tensors().get("wk")));
            assertArrayEquals(new float[] {40, 41, 42, 43, 44, 45, 46, 47}, toFloats(w.tensors().get("wv")));
            assertArrayEquals(new float[] {164, 165, 166, 167}, toFloats(w.tensors().get("rms_final")));
        }
    }

    @Test void rejectsTruncatedAndOverlongFiles() throws IOException {
        byte[] real = Files.readAllBytes(Shared.stories260K());
        Path cut = dir.resolve("cut.bin");
        Files.write(cut, Arrays.copyOf(real, real.length - 100));
        assertError(cut, cut + ": truncated: header implies 1056540 bytes, file has 1056440");

        Path longer = dir.resolve("longer.bin");
        Files.write(longer, Arrays.copyOf(real, real.length + 4));
        assertError(longer, longer + ": trailing bytes: header implies 1056540 bytes, file has 1056544");

        Path tiny = dir.resolve("tiny.bin");
        Files.write(tiny, Arrays.copyOf(real, 20));
        assertError(tiny, tiny + ": not a llama2.c weights file: 20 bytes, shorter than the 28-byte header");
    }

    @Test void rejectsCorruptHeaders() throws IOException {
        byte[] real = Files.readAllBytes(Shared.stories260K());
        assertError(patched(real, "heads7.bin", 3, 7), "dim not divisible by n_heads, got dim=64, hidden_dim=172,"
                + " n_layers=5, n_heads=7, n_kv_heads=4, vocab_size=512, seq_len=512");
        assertError(patched(real, "kv3.bin", 4, 3), "n_heads not divisible by n_kv_heads");
        assertError(patched(real, "dim0.bin", 0, 0), "every size must be positive (vocab_size nonzero), got dim=0");
        assertError(patched(real, "layers-1.bin", 2, -1), "every size must be positive");
        assertError(patched(real, "vocab0.bin", 5, 0), "every size must be positive");
        // a garbage header whose sizes overflow a long
        assertError(synthetic("huge.bin", new int[] {1 << 30, 1 << 30, 1 << 30, 1, 1, 1, 1}, 0), "imply more than 2^63 bytes");
        // plausible sizes that just do not match the file
        assertError(patched(real, "layers6.bin", 2, 6), "truncated: header implies ");
    }

    // ---- helpers

    private static float rawFloat(ByteBuffer raw, long floatIndex) {
        return raw.getFloat(Math.toIntExact(28 + 4 * floatIndex));
    }

    private static Tensor at(Llama2cWeights w, String name, long... index) {
        Tensor t = w.tensors().get(name);
        for (long i : index) t = t.select(0, i);
        return t;
    }

    /** A copy of {@code real} with header int {@code field} set to {@code value}. */
    private Path patched(byte[] real, String name, int field, int value) throws IOException {
        byte[] copy = real.clone();
        ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putInt(4 * field, value);
        Path f = dir.resolve(name);
        Files.write(f, copy);
        return f;
    }

    /** A header then {@code floats} float32 values 0, 1, 2, … */
    private Path synthetic(String name, int[] header, long floats) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(28 + 4 * floats)).order(ByteOrder.LITTLE_ENDIAN);
        for (int h : header) b.putInt(h);
        for (int i = 0; i < floats; i++) b.putFloat(i);
        Path f = dir.resolve(name);
        Files.write(f, b.array());
        return f;
    }

    private static void assertError(Path f, String fragment) {
        UserError e = assertThrows(UserError.class, () -> Llama2cWeights.read(f));
        assertTrue(e.getMessage().startsWith(f + ": "), "names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(fragment), "expected '" + fragment + "' in: " + e.getMessage());
    }
}
