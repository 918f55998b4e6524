package org.jpo.feedback;

import com.fasterxml.jackson.databind.JsonNode;
import org.jpo.config.Check;
import org.jpo.config.ConfigError;
import org.jpo.config.Key;
import org.jpo.config.Tag;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code code}: 1.0 when the completion passes the row's tests, 0.0 when it does not, HumanEval style
 * (arXiv:2107.03374): the program {@code prompt + completion + "\n" + test + "\ncheck(" + entry_point + ")"} runs
 * with {@code python} in a {@link Sandbox} and passes when it exits 0. Details say how it ended: {@code passed},
 * {@code failed: AssertionError: ...} (the last line of stderr), {@code timed out after 10 s (wall clock)},
 * {@code CPU time limit (5 s)}, ... Missing when the row has no {@code test} or {@code entry_point}.
 *
 * <p>Completions run in parallel, at most {@code parallel} at a time, each in its own sandbox and uid. The sandbox is
 * checked (tools installed, a trivial program passes) once per setting, when the verifier is opened or first used.
 */
@Tag(value = "code", doc = "1.0 when prompt + completion passes the row's HumanEval test, run in a sandbox, else 0.")
public record CodeVerifier(
        @Key(value = "10", doc = "Wall-clock seconds a program may run before its process tree is killed.") double timeoutSeconds,
        @Key(value = "5", doc = "CPU seconds each of the program's processes may use.") int cpuSeconds,
        @Key(value = "1024", doc = "Address space of each process, in MiB (a larger allocation fails with MemoryError).") int memoryMb,
        @Key(value = "32", doc = "Processes and threads the program may have at once, the sandbox's own two included.") int maxProcesses,
        @Key(value = "0", doc = "Programs run at once; 0 = the number of processors.") int parallel,
        @Key(value = "/usr/bin/python3", doc = "The Python interpreter, an absolute path (run inside the sandbox).") String python)
        implements Verifier {

    private static final Map<CodeVerifier, Sandbox> OPENED = new ConcurrentHashMap<>();

    public CodeVerifier {
        Check.positive("timeout_seconds", timeoutSeconds);
        Check.atLeast("cpu_seconds", cpuSeconds, 1);
        Check.atLeast("memory_mb", memoryMb, 32);       // python3 itself needs about 16 MiB of address space to start
        Check.atLeast("max_processes", maxProcesses, 3);   // bwrap, its init, python
        Check.atLeast("parallel", parallel, 0);
        if (parallel > Sandbox.MAX_PARALLEL) throw new ConfigError("parallel", "parallel must be <= " + Sandbox.MAX_PARALLEL + ", got " + parallel);
        if (python == null || !python.startsWith("/")) throw new ConfigError("python", "python must be an absolute path, got " + python);
    }

    /** The defaults: 10 s wall clock, 5 s CPU, 1024 MiB, 32 processes, one program per processor, /usr/bin/python3. */
    public CodeVerifier() { this(10, 5, 1024, 32, 0, "/usr/bin/python3"); }

    @Override public List<String> rowFields() { return List.of("test", "entry_point"); }

    @Override public String name() { return "code"; }

    /** Checks the sandbox now, so that a missing bubblewrap fails before any sampling. */
    @Override public Scorer open(ScorerContext context) {
        sandbox();
        return this;
    }

    public Sandbox.Limits limits() { return new Sandbox.Limits(timeoutSeconds, cpuSeconds, memoryMb, maxProcesses); }

    /** Programs run at once: {@code parallel}, or the number of processors when it is 0. */
    public int threads() { return parallel > 0 ? parallel : Runtime.getRuntime().availableProcessors(); }

    @Override public Score verify(String ref, ScoreInput input, String completion) {
        Optional<String> missing = missingField(input);
        if (missing.isPresent()) return Score.missing(ref, name(), missing.get());
        Sandbox.Result r = sandbox().run(program(input, completion));
        return new Score(ref, name(), r.passed() ? 1.0 : 0.0, Sandbox.describe(r, limits()));
    }

    @Override public List<Score> score(ScoreInput input, List<String> completions) {
        return verifyEach(Collections.nCopies(completions.size(), input), completions);
    }

    /** Runs the programs {@link #threads()} at a time; the scores come back in order. */
    @Override public List<Score> verifyEach(List<ScoreInput> inputs, List<String> completions) {
        if (inputs.size() != completions.size()) {
            throw new IllegalArgumentException(inputs.size() + " inputs for " + completions.size() + " completions");
        }
        sandbox();   // a broken sandbox fails here, once, not inside each task
        int n = completions.size();
        if (n <= 1) return Verifier.super.verifyEach(inputs, completions);
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(threads(), n));
        try {
            List<Future<Score>> futures = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String ref = String.valueOf(i);
                ScoreInput in = inputs.get(i);
                String c = completions.get(i);
                futures.add(pool.submit(() -> verify(ref, in, c)));
            }
            List<Score> out = new ArrayList<>(n);
            for (Future<Score> f : futures) out.add(f.get());
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while programs ran", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** HumanEval's program: the prompt (signature and docstring), the completion (body), the tests, the call. */
    public static String program(ScoreInput input, String completion) {
        String test = input.field("test").orElseThrow().textValue();
        String entryPoint = input.field("entry_point").orElseThrow().textValue();
        return input.prompt() + completion + "\n" + test + "\ncheck(" + entryPoint + ")\n";
    }

    private Optional<String> missingField(ScoreInput input) {
        for (String f : rowFields()) {
            Optional<JsonNode> v = input.field(f);
            if (v.isEmpty()) return Optional.of("the row has no '" + f + "' field");
            if (!v.get().isTextual()) return Optional.of("'" + f + "' must be text, got " + v.get().getNodeType().name().toLowerCase());
        }
        return Optional.empty();
    }

    private Sandbox sandbox() { return OPENED.computeIfAbsent(this, v -> Sandbox.open(python, limits())); }
}
