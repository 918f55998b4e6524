package org.jpo.io;

import org.jpo.UserError;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Checks on where a command will write, made before any work: a mistyped path must not cost a long run, and
 * must never replace what is there without {@code --overwrite}.
 */
public final class Targets {
    private Targets() {}

    /**
     * {@code file} can be written: not a directory, not read-only, in an existing writable directory; an existing
     * file is replaced only when {@code overwrite}.
     */
    public static void requireWritableFile(Path file, String what, boolean overwrite) {
        if (Files.isDirectory(file)) throw new UserError(what + " " + file + " is a directory; give a file name");
        if (Files.exists(file) && !overwrite) throw new UserError(what + " " + file + " exists; add --overwrite to replace it");
        if (Files.exists(file) && !Files.isWritable(file)) throw new UserError(what + " " + file + " is not writable");
        Path parent = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(parent)) throw new UserError(what + " " + file + ": directory " + parent + " does not exist");
        if (!canCreateIn(parent)) throw new UserError(what + " " + file + ": directory " + parent + " is not writable");
    }

    /**
     * {@code dir} can become a directory of results: it does not exist, or is an empty writable directory (its
     * {@link DirLock} file aside). A non-empty one is refused unless {@code overwrite}; then it is emptied, the lock
     * file kept (its holder, this process, keeps the lock). {@code how} says how to go on, e.g. "add --overwrite".
     */
    public static void requireFreshDirectory(Path dir, String what, boolean overwrite, String how) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            if (!overwrite) throw new UserError(what + " " + dir + " is an existing file, not a directory");
            Trees.delete(dir);
        }
        List<Path> entries = entries(dir);
        if (!entries.isEmpty()) {
            if (!overwrite) throw new UserError(what + " " + dir + " is not empty; " + how);
            entries.forEach(Trees::delete);
        }
        requireWritableDirectory(dir, what);
    }

    /** {@code dir} is, or can be created as, a writable directory. */
    public static void requireWritableDirectory(Path dir, String what) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) throw new UserError(what + " " + dir + " is a file, not a directory");
        Path p = dir.toAbsolutePath();
        while (p != null && !Files.exists(p)) p = p.getParent();   // the nearest existing ancestor decides
        if (p == null || !Files.isDirectory(p)) throw new UserError(what + " " + dir + ": " + p + " is not a directory");
        if (!canCreateIn(p)) throw new UserError(what + " " + dir + ": " + p + " is not writable");
    }

    /**
     * Whether a file can be created in the existing directory {@code dir}: tried, not read from the mode bits, which
     * say yes to root and know nothing of read-only mounts or immutable directories.
     */
    private static boolean canCreateIn(Path dir) {
        try {
            Files.delete(Files.createTempFile(dir, ".jpo-probe-", ".tmp"));
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** What a directory holds besides its lock file, sorted; nothing when it does not exist. */
    public static List<Path> entries(Path dir) {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> !p.getFileName().toString().equals(DirLock.FILE)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }
}
