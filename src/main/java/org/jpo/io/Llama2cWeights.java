package org.jpo.io;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.jpo.UserError;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The legacy llama2.c weights file (karpathy/llama2.c {@code run.c}, {@code checkpoint_init_weights}):
 * seven little-endian int32 {@code dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len},
 * then float32 tensors stacked over layers, weight matrices as {@code [out, in]}. A negative vocab_size
 * means an unshared classifier {@code wcls[V,D]} follows the (unused) rotary tables at the end.
 *
 * <p>Tensors own their memory and belong to the caller's open PointerScope, if any.
 *
 * @param header  the file's hyperparameters
 * @param tensors float32 tensors in file order under the llama2.c names: tok_embeddings, rms_att, wq, wk,
 *                wv, wo, rms_ffn, w1, w2, w3, rms_final, and wcls only when the classifier is unshared
 */
public record Llama2cWeights(Header header, LinkedHashMap<String, Tensor> tensors) {
    private static final int HEADER_BYTES = 7 * Integer.BYTES;

    /**
     * @param vocabSize        V, always positive (the file's sign is {@code sharedClassifier})
     * @param sharedClassifier true when the output classifier is {@code tok_embeddings} (vocab_size &gt; 0)
     */
    public record Header(int dim, int hiddenDim, int nLayers, int nHeads, int nKvHeads, int vocabSize, int seqLen,
                         boolean sharedClassifier) {
        /** hd = D / n_heads. */
        public int headDim() { return dim / nHeads; }

        /** KV = n_kv_heads · hd, the width of wk and wv. */
        public int kvDim() { return nKvHeads * headDim(); }
    }

    /** One stretch of the file: a tensor to load, or a table to skip. */
    private record Slot(String name, long[] shape, boolean load) {
        long bytes() {
            long n = Float.BYTES;
            for (long d : shape) n = Math.multiplyExact(n, d);
            return n;
        }
    }

    /** Reads and checks the header of {@code file} alone (its sizes), without the weights. */
    public static Header header(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return readHeader(file, ch);
        } catch (IOException e) {
            throw new UserError(file + ": cannot read llama2.c weights: " + e.getMessage(), e);
        }
    }

    /** Reads {@code file}, checking the header and that the file has exactly the size it implies. */
    public static Llama2cWeights read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Header h = readHeader(file, ch);
            List<Slot> slots = layout(h);
            checkSize(file, ch.size(), slots);
            LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();
            long offset = HEADER_BYTES;
            for (Slot s : slots) {
                if (s.load()) {
                    String where = file + ": tensor " + s.name();
                    tensors.put(s.name(), MappedTensors.copy(ch, offset, s.bytes(), s.shape(), ScalarType.Float, where));
                }
                offset += s.bytes();
            }
            return new Llama2cWeights(h, tensors);
        } catch (IOException e) {
            throw new UserError(file + ": cannot read llama2.c weights: " + e.getMessage(), e);
        }
    }

    private static Header readHeader(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < HEADER_BYTES) {
            throw new UserError(file + ": not a llama2.c weights file: " + size + " bytes, shorter than the "
                    + HEADER_BYTES + "-byte header");
        }
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, b.position()) < 0) throw new EOFException();
        }
        b.flip();
        int dim = b.getInt(), hidden = b.getInt(), layers = b.getInt(), heads = b.getInt(), kvHeads = b.getInt(),
                vocab = b.getInt(), seqLen = b.getInt();
        String values = "dim=" + dim + ", hidden_dim=" + hidden + ", n_layers=" + layers + ", n_heads=" + heads
                + ", n_kv_heads=" + kvHeads + ", vocab_size=" + vocab + ", seq_len=" + seqLen;
        if (dim <= 0 || hidden <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || vocab == 0
                || vocab == Integer.MIN_VALUE || seqLen <= 0) {
            throw new UserError(file + ": corrupt llama2.c header: every size must be positive (vocab_size nonzero), got " + values);
        }
        if (dim % heads != 0) throw new UserError(file + ": corrupt llama2.c header: dim not divisible by n_heads, got " + values);
        if (heads % kvHeads != 0) {
            throw new UserError(file + ": corrupt llama2.c header: n_heads not divisible by n_kv_heads, got " + values);
        }
        return new Header(dim, hidden, layers, heads, kvHeads, Math.abs(vocab), seqLen, vocab > 0);
    }

    /** The file's tensors in order, as run.c's memory_map_weights walks them. */
    private static List<Slot> layout(Header h) {
        long d = h.dim(), l = h.nLayers(), f = h.hiddenDim(), v = h.vocabSize(), kv = h.kvDim();
        List<Slot> s = new ArrayList<>();
        s.add(new Slot("tok_embeddings", new long[] {v, d}, true));
        s.add(new Slot("rms_att", new long[] {l, d}, true));
        s.add(new Slot("wq", new long[] {l, d, d}, true));
        s.add(new Slot("wk", new long[] {l, kv, d}, true));
        s.add(new Slot("wv", new long[] {l, kv, d}, true));
        s.add(new Slot("wo", new long[] {l, d, d}, true));
        s.add(new Slot("rms_ffn", new long[] {l, d}, true));
        s.add(new Slot("w1", new long[] {l, f, d}, true));
        s.add(new Slot("w2", new long[] {l, d, f}, true));
        s.add(new Slot("w3", new long[] {l, f, d}, true));
        s.add(new Slot("rms_final", new long[] {d}, true));
        // rotary tables, recomputed by the model: run.c skips seq_len * head_size / 2 floats for each
        long half = (long) h.seqLen() * h.headDim() / 2;
        s.add(new Slot("freq_cis_real", new long[] {half}, false));
        s.add(new Slot("freq_cis_imag", new long[] {half}, false));
        if (!h.sharedClassifier()) s.add(new Slot("wcls", new long[] {v, d}, true));
        return s;
    }

    private static void checkSize(Path file, long actual, List<Slot> slots) {
        long implied = HEADER_BYTES;
        try {
            for (Slot s : slots) implied = Math.addExact(implied, s.bytes());
        } catch (ArithmeticException e) {
            throw new UserError(file + ": corrupt llama2.c header: the sizes imply more than 2^63 bytes");
        }
        if (implied != actual) {
            String what = implied > actual ? "truncated" : "trailing bytes";
            throw new UserError(file + ": " + what + ": header implies " + implied + " bytes, file has " + actual);
        }
    }
}
