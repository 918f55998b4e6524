package org.jpo;

/**
 * How much jpo says on standard error, for the whole process: the CLI sets it from {@code --quiet} and
 * {@code --verbose}. Code never prints status itself; it logs through SLF4J, which {@link ConsoleLogging} renders:
 *
 * <ul>
 *   <li>{@code log.info}: a line a person wants (what is being done, where results went), printed plain;</li>
 *   <li>{@code log.debug}: chatter, shown only with {@code --verbose};</li>
 *   <li>{@code log.warn} / {@code log.error}: {@code warning: ...} / {@code error: ...}, always shown.</li>
 * </ul>
 *
 * {@link Progress} bars show unless {@code --quiet}. A step that runs other steps as its parts (the demo's SFT, a
 * training run per accuracy check) draws its own bar and {@link #hush}es theirs.
 */
public final class Console {
    /** What standard error shows. */
    public enum Mode {
        /** Warnings and errors only: no bars, no info lines. */
        QUIET,
        /** Bars, info lines, warnings and errors. */
        NORMAL,
        /** Everything, debug lines too, each log line with its thread, level and logger name. */
        VERBOSE
    }

    private static volatile Mode mode = Mode.NORMAL;
    private static final ThreadLocal<Integer> hushes = ThreadLocal.withInitial(() -> 0);

    private Console() {}

    public static Mode mode() { return mode; }

    public static void mode(Mode m) { mode = m; }

    /** Whether {@link Progress} draws on this thread now. */
    static boolean bars() { return mode != Mode.QUIET && hushes.get() == 0; }

    /** Whether this thread is inside a {@link #hush}: its info lines count as chatter. */
    static boolean hushed() { return hushes.get() > 0; }

    /**
     * Until closed, on this thread: no bars, and info lines become chatter ({@code --verbose} still shows them).
     * Warnings and errors show as always.
     */
    public static Hush hush() {
        hushes.set(hushes.get() + 1);
        return () -> hushes.set(hushes.get() - 1);
    }

    /** A {@link #hush}, closed by try-with-resources. */
    public interface Hush extends AutoCloseable {
        @Override void close();
    }
}
