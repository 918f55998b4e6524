package org.jpo.io;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.jpo.UserError;

import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;

import static org.jpo.tensor.Tensors.options;

/** Copies a byte region of a weights file into a tensor that owns its memory. */
final class MappedTensors {
    /** One {@link MappedByteBuffer} cannot span more than this many bytes. */
    static final long MAX_REGION = Integer.MAX_VALUE;

    private MappedTensors() {}

    /**
     * A new tensor holding a copy of {@code bytes} bytes at {@code offset} of {@code ch}, read as
     * little-endian, row-major {@code type}. The region is mapped read-only and cloned: a tensor over the
     * mapping itself would SIGSEGV on its first in-place op. The result belongs to the caller's open
     * PointerScope, if any.
     *
     * @param where names the tensor and file in error messages, e.g. {@code "model.safetensors: tensor \"wq\""}
     */
    static Tensor copy(FileChannel ch, long offset, long bytes, long[] shape, ScalarType type, String where)
            throws IOException {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new IllegalStateException("weights files are little-endian; this platform is not");
        }
        if (bytes > MAX_REGION) {
            throw new UserError(where + " is " + bytes + " bytes; a single tensor larger than 2 GiB ("
                    + MAX_REGION + " bytes) cannot be read");
        }
        if (bytes == 0) return torch.empty(shape, options(type), new MemoryFormatOptional());
        MappedByteBuffer region = ch.map(FileChannel.MapMode.READ_ONLY, offset, bytes);
        try (BytePointer p = new BytePointer(region);
             Tensor view = torch.from_blob(p, shape, options(type))) {
            return view.clone();
        } finally {
            Reference.reachabilityFence(region);   // the mapping must outlive the clone's read of it
        }
    }
}
