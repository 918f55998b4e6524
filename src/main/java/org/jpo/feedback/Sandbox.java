package org.jpo.feedback;

import org.jpo.UserError;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs an untrusted Python program (a model's completion plus a row's tests) in a separate, locked-down process and
 * says how it ended. The process chain is {@code setpriv} (drop root: process limits do not bind root) →
 * {@code prlimit} (processes, address space, CPU time, file size, open files) → {@code bwrap} (Debian's bubblewrap:
 * the whole file system read-only, a private {@code /tmp}, new namespaces for everything, so no network at all, not
 * even the host's 127.0.0.1) → python in a fresh working directory, the only place it can write, deleted afterwards.
 * The wall clock is enforced here: past it the whole process tree is killed.
 *
 * <p>RLIMIT_NPROC counts the processes of a real uid, so each program that runs at the same time gets its own uid
 * ({@link #BASE_UID} onwards, taken round-robin so that a uid whose fork bomb is still being reaped is reused last):
 * one fork bomb cannot starve the programs beside it. When the JVM does not run as root the program runs as the
 * current user, and {@code max_processes} then counts all of that user's processes.
 */
public final class Sandbox {
    /** The first uid given to sandboxed programs when the JVM runs as root; {@link #UIDS} of them are used. */
    public static final int BASE_UID = 61000;
    static final int UIDS = 1000;
    /** Bound on programs running at once (and so on {@code parallel}): a few per uid in the pool. */
    public static final int MAX_PARALLEL = 256;
    static final List<String> TOOLS = List.of("setpriv", "prlimit", "bwrap");

    private static final long FILE_BYTES = 64L << 20;   // largest file (and stderr) a program may write
    private static final long TMP_BYTES = 64L << 20;    // size of the private /tmp, which lives in memory
    private static final int OPEN_FILES = 64;
    private static final int STDERR_TAIL = 4096;        // bytes of stderr read back, enough for the last line
    private static final boolean ROOT = uid() == 0;
    private static final BitSet TAKEN = new BitSet(UIDS);
    private static int nextUid;                          // guarded by TAKEN

    /**
     * How much a program may use.
     *
     * @param wallSeconds   wall-clock time before the process tree is killed
     * @param cpuSeconds    CPU time of each process (SIGXCPU at the limit, SIGKILL one second later)
     * @param memoryMb      address space of each process, in MiB
     * @param maxProcesses  processes (and threads) of the program's uid, the sandbox's own two included
     */
    public record Limits(double wallSeconds, int cpuSeconds, int memoryMb, int maxProcesses) {
        public Limits {
            if (!(wallSeconds > 0) || cpuSeconds < 1 || memoryMb < 1 || maxProcesses < 1) {
                throw new IllegalArgumentException("limits must be positive: " + wallSeconds + " s, " + cpuSeconds + " s CPU, "
                        + memoryMb + " MiB, " + maxProcesses + " processes");
            }
        }
    }

    /**
     * How a program ended.
     *
     * @param exitCode the sandbox's exit code (128 + n when killed by signal n); -1 when timed out
     * @param timedOut killed here after {@link Limits#wallSeconds}
     * @param stderr   the last line of its standard error, at most 200 characters; "" when it wrote none
     * @param seconds  wall-clock time from start to end
     */
    public record Result(int exitCode, boolean timedOut, String stderr, double seconds) {
        public boolean passed() { return !timedOut && exitCode == 0; }
    }

    private final Map<String, Path> tools;
    private final String python;
    private final Limits limits;

    private Sandbox(Map<String, Path> tools, String python, Limits limits) {
        this.tools = tools;
        this.python = python;
        this.limits = limits;
    }

    /**
     * A sandbox that runs programs with {@code python} under {@code limits}, after checking that it works: the tools
     * are installed and a trivial program passes. Fails with a {@link UserError} saying what to install or what broke.
     */
    public static Sandbox open(String python, Limits limits) { return open(python, limits, System.getenv("PATH")); }

    static Sandbox open(String python, Limits limits, String searchPath) {
        List<String> missing = missingTools(searchPath);
        if (!missing.isEmpty()) {
            throw new UserError("the code verifier runs programs in a sandbox, but " + String.join(", ", missing)
                    + (missing.size() == 1 ? " is" : " are") + " not installed: install Debian's bubblewrap (apt-get install bubblewrap; "
                    + "setpriv and prlimit come with util-linux)");
        }
        Map<String, Path> tools = Map.of("setpriv", find("setpriv", searchPath), "prlimit", find("prlimit", searchPath),
                "bwrap", find("bwrap", searchPath));
        Sandbox s = new Sandbox(tools, python, limits);
        Result probe = s.run("pass\n");
        if (!probe.passed()) {
            throw new UserError("the code sandbox cannot run a trivial program with " + python + ": " + describe(probe, limits)
                    + (ROOT ? "" : " (jpo does not run as root, so max_processes counts all of this user's processes)"));
        }
        return s;
    }

    /** The tools the sandbox needs that are not on the current PATH (empty when it can run). */
    public static List<String> missingTools() { return missingTools(System.getenv("PATH")); }

    static List<String> missingTools(String searchPath) {
        return TOOLS.stream().filter(t -> find(t, searchPath) == null).toList();
    }

    /** Runs {@code program} (Python source) in a fresh working directory; safe to call from many threads. */
    public Result run(String program) {
        int uid = ROOT ? takeUid() : uid();
        Path work = null, stderr = null;
        try {
            work = Files.createTempDirectory("jpo-sandbox-");
            Files.writeString(work.resolve("program.py"), program);
            if (ROOT) giveTo(work, uid);
            stderr = Files.createTempFile("jpo-sandbox-", ".stderr");
            return execute(command(uid, work), work, stderr);
        } catch (IOException e) {
            throw new UncheckedIOException("sandbox: " + e.getMessage(), e);
        } finally {
            deleteQuietly(work);
            deleteQuietly(stderr);
            if (ROOT) releaseUid(uid);
        }
    }

    /** What a result means for a verdict: "passed", "failed: AssertionError: ...", "timed out after 10 s (wall clock)", ... */
    public static String describe(Result r, Limits limits) {
        if (r.timedOut()) return "timed out after " + seconds(limits.wallSeconds()) + " s (wall clock)";
        if (r.exitCode() == 0) return "passed";
        String why = switch (r.exitCode()) {
            case 128 + 24 -> "CPU time limit (" + limits.cpuSeconds() + " s)";          // SIGXCPU
            case 128 + 25 -> "file size limit (" + (FILE_BYTES >> 20) + " MiB)";        // SIGXFSZ
            case 128 + 9 -> "killed (SIGKILL: past the CPU time limit, or out of memory)";
            case 128 + 11 -> "killed (SIGSEGV; the memory limit is " + limits.memoryMb() + " MiB)";
            case 128 + 6 -> "killed (SIGABRT)";
            default -> null;
        };
        if (why != null) return why + (r.stderr().isEmpty() ? "" : ": " + r.stderr());
        return "failed: " + (r.stderr().isEmpty() ? "exit code " + r.exitCode() : r.stderr());
    }

    private List<String> command(int uid, Path work) {
        List<String> c = new ArrayList<>();
        if (ROOT) c.addAll(List.of(tools.get("setpriv").toString(), "--reuid=" + uid, "--regid=" + uid, "--clear-groups"));
        c.addAll(List.of(tools.get("prlimit").toString(), "--nproc=" + limits.maxProcesses(),
                "--as=" + ((long) limits.memoryMb() << 20), "--cpu=" + limits.cpuSeconds() + ":" + (limits.cpuSeconds() + 1),
                "--fsize=" + FILE_BYTES, "--nofile=" + OPEN_FILES, "--core=0", "--"));
        c.addAll(List.of(tools.get("bwrap").toString(), "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                "--unshare-all", "--die-with-parent", "--new-session", "--size", Long.toString(TMP_BYTES), "--tmpfs", "/tmp",
                "--bind", work.toString(), work.toString(), "--chdir", work.toString(), python, "program.py"));
        return c;
    }

    private Result execute(List<String> command, Path work, Path stderr) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(work.toFile())
                .redirectInput(new File("/dev/null")).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(stderr.toFile());
        // a clean environment: the JVM's (API keys, tokens) is not the program's business
        pb.environment().clear();
        pb.environment().putAll(Map.of("PATH", "/usr/local/bin:/usr/bin:/bin", "HOME", work.toString(), "LANG", "C.UTF-8"));
        long start = System.nanoTime();
        Process p = pb.start();
        boolean done;
        try {
            done = p.waitFor((long) (limits.wallSeconds() * 1e9), TimeUnit.NANOSECONDS);
            if (!done) killTree(p);
            p.waitFor();
        } catch (InterruptedException e) {
            killTree(p);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while a sandboxed program ran", e);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Result(done ? p.exitValue() : -1, !done, lastLine(stderr), seconds);
    }

    /** Descendants first, so none is left orphaned (bwrap's --die-with-parent and its PID namespace back this up). */
    private static void killTree(Process p) {
        try (Stream<ProcessHandle> d = p.descendants()) {
            d.forEach(ProcessHandle::destroyForcibly);
        }
        p.destroyForcibly();
    }

    /**
     * The line of stderr that says what went wrong: the last exception line ({@code BlockingIOError: ...}) if there is
     * one, else the last line. Not simply the last line: a program's forked copies share its stderr, and one killed while
     * it printed its traceback leaves a line from the middle of it ({@code check(spawn)}) last.
     */
    static String lastLine(Path stderr) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(stderr.toFile(), "r")) {
            long from = Math.max(0, f.length() - STDERR_TAIL);
            byte[] tail = new byte[(int) (f.length() - from)];
            f.seek(from);
            f.readFully(tail);
            List<String> lines = List.of(new String(tail, StandardCharsets.UTF_8).strip().split("\\R"));
            String last = lines.get(lines.size() - 1).strip();
            for (int i = lines.size() - 1; i >= 0; i--) {
                if (EXCEPTION.matcher(lines.get(i)).matches()) {
                    last = lines.get(i).strip();
                    break;
                }
            }
            return last.length() <= 200 ? last : last.substring(0, 197) + "...";
        }
    }

    /** A Python exception line: {@code AssertionError}, {@code BlockingIOError: [Errno 11] ...}, {@code mod.FooException: x}. */
    private static final java.util.regex.Pattern EXCEPTION =
            java.util.regex.Pattern.compile("[A-Za-z_][\\w.]*(Error|Exception|Exit|Interrupt|Iteration)(: .*)?");

    /** The working directory and program belong to the program's uid, which may then read and write them. */
    private static void giveTo(Path work, int uid) throws IOException {
        for (Path p : List.of(work, work.resolve("program.py"))) {
            Files.setAttribute(p, "unix:uid", uid);
            Files.setAttribute(p, "unix:gid", uid);
        }
    }

    /** The least recently released free uid after the last one taken. */
    private static int takeUid() {
        synchronized (TAKEN) {
            int i = TAKEN.nextClearBit(nextUid);
            if (i >= UIDS) i = TAKEN.nextClearBit(0);
            if (i >= UIDS) throw new IllegalStateException("more than " + UIDS + " sandboxed programs at once");
            TAKEN.set(i);
            nextUid = (i + 1) % UIDS;
            return BASE_UID + i;
        }
    }

    private static void releaseUid(int uid) {
        synchronized (TAKEN) {
            TAKEN.clear(uid - BASE_UID);
        }
    }

    private static int uid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException e) {
            return -1;   // not Linux: the tools are missing anyway, and open says so
        }
    }

    private static Path find(String tool, String searchPath) {
        if (searchPath == null) return null;
        for (String dir : searchPath.split(File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, tool);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return p;
        }
        return null;
    }

    /** Deletes a tree the program may have made unreadable (chmod 000) for its owner. */
    private static void deleteQuietly(Path p) {
        if (p == null) return;
        try {
            if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
                try (Stream<Path> children = Files.list(p)) {
                    children.forEach(Sandbox::deleteQuietly);
                }
            }
            Files.deleteIfExists(p);
        } catch (IOException | UncheckedIOException e) {
            // best effort: a leftover temporary file must not turn a verdict into a crash
        }
    }

    private static String seconds(double s) { return s == Math.rint(s) ? Long.toString((long) s) : String.format(Locale.ROOT, "%.1f", s); }
}
