package org.jpo.io;

import org.jpo.UserError;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

/**
 * One writer per output directory: an OS lock on {@code DIR/.lock} (which holds the holder's pid, for the message),
 * held until {@link #close} or the process ends. The kernel drops it with the process, so a killed run leaves no stale
 * lock; the file itself stays.
 */
public final class DirLock implements AutoCloseable {
    public static final String FILE = ".lock";
    /**
     * The directories this JVM holds. Checked before opening the file: on Linux, closing any channel to the file
     * would drop this process's lock on it (POSIX record locks belong to the process).
     */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final Path dir;
    private final FileChannel channel;

    private DirLock(Path dir, FileChannel channel) {
        this.dir = dir;
        this.channel = channel;
    }

    /** Locks {@code dir} (created if missing), or refuses with the holder's pid. */
    public static DirLock take(Path dir) {
        Path key = dir.toAbsolutePath().normalize();
        if (!HELD.add(key)) throw inUse(dir, ProcessHandle.current().pid());
        RunDir.createDirectories(dir);
        Path f = dir.resolve(FILE);
        try {
            FileChannel ch = FileChannel.open(f, CREATE, READ, WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                String pid = new String(Files.readAllBytes(f), StandardCharsets.UTF_8).strip();
                ch.close();
                HELD.remove(key);
                throw inUse(dir, pid.isEmpty() ? "unknown" : pid);
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8)));
            return new DirLock(key, ch);
        } catch (IOException e) {
            HELD.remove(key);
            throw new UncheckedIOException("cannot lock " + f + ": " + e.getMessage(), e);
        }
    }

    private static UserError inUse(Path dir, Object pid) {
        return new UserError(dir + " is in use by another jpo (pid " + pid + "); wait for it or choose another output_dir");
    }

    /** Releases the lock (closing the channel does); a second close does nothing. */
    @Override public void close() {
        if (!channel.isOpen()) return;
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            HELD.remove(dir);
        }
    }
}
