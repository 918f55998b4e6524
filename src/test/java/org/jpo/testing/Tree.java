package org.jpo.testing;

import org.jpo.io.DirLock;
import org.jpo.io.RunDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** What a directory tree holds, to assert that a refused command changed nothing; and bad files made from good ones. */
public final class Tree {
    private Tree() {}

    /**
     * Every entry under {@code root} by relative path: a file's sha256, "dir", or a link's target. Lock files are left
     * out: they hold the last holder's pid.
     */
    public static Map<String, String> snapshot(Path root) {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            s.filter(p -> !p.getFileName().toString().equals(DirLock.FILE)).forEach(p -> m.put(root.relativize(p).toString(), describe(p)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return m;
    }

    private static String describe(Path p) {
        try {
            if (Files.isSymbolicLink(p)) return "-> " + Files.readSymbolicLink(p);
            return Files.isDirectory(p) ? "dir" : RunDir.sha256(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A llama2.c tokenizer file cut after its first {@code n} tokens (int32 max length; per token float32, int32 length, bytes). */
    public static byte[] firstTokens(byte[] tokenizerFile, int n) {
        ByteBuffer b = ByteBuffer.wrap(tokenizerFile).order(ByteOrder.LITTLE_ENDIAN);
        b.getInt();
        for (int i = 0; i < n; i++) {
            b.getFloat();
            int length = b.getInt();
            b.position(b.position() + length);
        }
        return Arrays.copyOf(tokenizerFile, b.position());
    }
}
