package org.jpo.io;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.jpo.UserError;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.jpo.tensor.Tensors.sizes;

/**
 * Reads and writes safetensors files (https://github.com/huggingface/safetensors): an 8-byte
 * little-endian header length N, N bytes of UTF-8 JSON
 * {@code {"name": {"dtype", "shape", "data_offsets": [begin, end]}, ..., "__metadata__": {str: str}}},
 * then the data buffer, little-endian and row-major, offsets relative to its start.
 *
 * <p>Tensors read here are copies that own their memory, in the dtype stored (widen bf16/f16 with
 * {@code .to(Float)}). Like every tensor JavaCPP makes, they belong to the caller's innermost open
 * {@link PointerScope} on this thread, if any, and are freed when it closes; otherwise the caller
 * {@code close()}s them.
 */
public final class SafeTensors {
    public static final String MODEL_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private SafeTensors() {}

    /** The element types we read and write, by their safetensors names. */
    public enum DType {
        F64(8, ScalarType.Double), F32(4, ScalarType.Float), F16(2, ScalarType.Half), BF16(2, ScalarType.BFloat16),
        I64(8, ScalarType.Long), I32(4, ScalarType.Int), I16(2, ScalarType.Short), I8(1, ScalarType.Char),
        U8(1, ScalarType.Byte), BOOL(1, ScalarType.Bool);

        private final int size;
        private final ScalarType scalarType;

        DType(int size, ScalarType scalarType) {
            this.size = size;
            this.scalarType = scalarType;
        }

        /** Bytes per element. */
        public int size() { return size; }

        public ScalarType scalarType() { return scalarType; }

        /** The safetensors dtype of a torch dtype; fails for one this class cannot store. */
        public static DType of(ScalarType t) {
            // compare values: JavaCPP returns fresh enum objects from native calls (== and equals fail)
            for (DType d : values()) if (d.scalarType.value == t.value) return d;
            throw new IllegalArgumentException("no safetensors dtype for torch " + t);
        }
    }

    /** One tensor of the header: its data is bytes [begin, end) of the data buffer. */
    public record Entry(String name, DType dtype, long[] shape, long begin, long end) {
        @Override public String toString() {
            return name + " " + dtype + " " + Arrays.toString(shape) + " @[" + begin + ", " + end + ")";
        }
    }

    /**
     * A validated header: tensors in the header's order, the {@code __metadata__} strings, and the file
     * offset where the data buffer starts.
     */
    public record Header(List<Entry> entries, Map<String, String> metadata, long dataStart) {
        public Header {
            entries = List.copyOf(entries);
            metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        }
    }

    /** The validated header of {@code file}, without reading tensor data. */
    public static Header readHeader(Path file) {
        try (FileChannel ch = open(file)) {
            return SafeTensorsHeader.read(ch, file);
        } catch (IOException e) {
            throw new UserError(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** Every tensor of {@code file}, in header order, each owning its memory (see the class comment). */
    public static LinkedHashMap<String, Tensor> read(Path file) {
        return read(file, null);
    }

    /**
     * A Hugging Face model directory's weights: {@value #MODEL_FILE}, or the shards listed in
     * {@value #INDEX_FILE} ({@code {"weight_map": {"tensor": "shard file"}}}), each shard read once and
     * only for the tensors the index maps to it. Sharded tensors come in the index's order.
     */
    public static LinkedHashMap<String, Tensor> readModel(Path dir) {
        Path single = dir.resolve(MODEL_FILE);
        Path index = dir.resolve(INDEX_FILE);
        if (Files.isRegularFile(single)) return read(single);
        if (!Files.isRegularFile(index)) {
            throw new UserError(dir + ": no model weights: expected " + MODEL_FILE + " or " + INDEX_FILE);
        }
        Map<String, String> weightMap = SafeTensorsHeader.readWeightMap(index);
        Map<String, Set<String>> byShard = new LinkedHashMap<>();
        weightMap.forEach((name, shard) -> byShard.computeIfAbsent(shard, k -> new LinkedHashSet<>()).add(name));

        Map<String, Tensor> all = new HashMap<>();
        try {
            for (var e : byShard.entrySet()) {
                Path shard = dir.resolve(e.getKey());
                if (!Files.isRegularFile(shard)) {
                    throw new UserError(index + ": shard " + shard + " does not exist");
                }
                LinkedHashMap<String, Tensor> got = read(shard, e.getValue());
                all.putAll(got);
                for (String name : e.getValue()) {
                    if (!got.containsKey(name)) {
                        throw new UserError(index + ": tensor \"" + name + "\" is mapped to " + shard + ", which lacks it");
                    }
                }
            }
        } catch (RuntimeException | Error x) {
            all.values().forEach(Tensor::close);
            throw x;
        }
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        for (String name : weightMap.keySet()) out.put(name, all.get(name));
        return out;
    }

    /**
     * Writes {@code tensors} (dtypes of {@link DType}, any device, any strides) in map order, with
     * {@code metadata} (null for none). Writes {@code file.tmp}, then renames it over {@code file}.
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        boolean moved = false;
        try (PointerScope scope = new PointerScope()) {   // frees the contiguous CPU copies
            List<Entry> entries = new ArrayList<>();
            List<Tensor> data = new ArrayList<>();
            long offset = 0;
            for (var e : tensors.entrySet()) {
                String name = e.getKey();
                if (name.equals(SafeTensorsHeader.METADATA)) {
                    throw new IllegalArgumentException(file + ": \"" + name + "\" cannot name a tensor");
                }
                Tensor t = e.getValue().detach().cpu().contiguous();
                DType dtype;
                try {
                    dtype = DType.of(t.scalar_type());
                } catch (IllegalArgumentException x) {
                    throw new IllegalArgumentException(file + ": tensor \"" + name + "\": " + x.getMessage(), x);
                }
                entries.add(new Entry(name, dtype, sizes(t), offset, offset + t.nbytes()));
                offset += t.nbytes();
                data.add(t);
            }
            byte[] header = SafeTensorsHeader.encode(entries, metadata == null ? Map.of() : metadata);
            ByteBuffer prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).flip();
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                writeFully(ch, prefix);
                writeFully(ch, ByteBuffer.wrap(header));
                for (Tensor t : data) writeBytes(ch, t);
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            moved = true;
        } catch (IOException e) {
            throw new UserError(file + ": cannot write: " + e, e);
        } finally {
            if (!moved) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the write already failed; that error is the one to report
                }
            }
        }
    }

    /** The tensors of {@code file} named in {@code only} (all when null), in header order. */
    private static LinkedHashMap<String, Tensor> read(Path file, Set<String> only) {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        try (FileChannel ch = open(file)) {
            Header h = SafeTensorsHeader.read(ch, file);
            for (Entry e : h.entries()) {
                if (only != null && !only.contains(e.name())) continue;
                out.put(e.name(), MappedTensors.copy(ch, h.dataStart() + e.begin(), e.end() - e.begin(), e.shape(),
                        e.dtype().scalarType(), file + ": tensor \"" + e.name() + "\""));
            }
            return out;
        } catch (IOException e) {
            out.values().forEach(Tensor::close);
            throw new UserError(file + ": cannot read: " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            out.values().forEach(Tensor::close);
            throw e;
        }
    }

    private static FileChannel open(Path file) throws IOException {
        try {
            return FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new UserError(file + ": no such file");
        }
    }

    /** The bytes of a contiguous CPU tensor, in pieces: one ByteBuffer holds at most 2 GiB. */
    private static void writeBytes(FileChannel ch, Tensor t) throws IOException {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new IllegalStateException("safetensors is little-endian; this platform is not");
        }
        long n = t.nbytes(), chunk = 1L << 30;
        if (n == 0) return;
        BytePointer src = new BytePointer(t.data_ptr());
        for (long off = 0; off < n; off += chunk) writeFully(ch, src.getPointer(off).capacity(Math.min(chunk, n - off)).asBuffer());
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }
}
