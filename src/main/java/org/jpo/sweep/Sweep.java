package org.jpo.sweep;

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.jpo.ChildJpo;
import org.jpo.Progress;
import org.jpo.UserError;
import org.jpo.config.ResolvedConfig;
import org.jpo.eval.Costs;
import org.jpo.io.DirLock;
import org.jpo.io.RunDir;
import org.jpo.io.Targets;
import org.jpo.loop.LoopConfig;
import org.jpo.loop.Resume;
import org.jpo.train.SavedConfig;
import org.jpo.train.TrainConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code jpo sweep}: every (recipe, seed) of a {@link SweepConfig} as a real {@code jpo run} in its own process, J at
 * a time. Before any run starts, every run's config is resolved (an error names the recipe, the seed and the key) and
 * written as the run directory's {@code config.resolved.yaml}; each run is then {@code jpo run that --resume}, so a
 * killed sweep resumed with {@code --resume} continues every unfinished run where it stopped and skips the finished
 * ones ({@code sweep.json} in their directory, untouched: the run's wall time and tokens, {@link Costs}). A {@code jpo train} control trains into
 * {@code OUT/<recipe>/train/seed-<s>/}, then an eval-only run of its final model fills {@code OUT/<recipe>/seed-<s>/}.
 */
public final class Sweep implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Sweep.class);
    public static final String FILE = "sweep.yaml", DONE = Costs.FILE;

    /** One (recipe, seed). */
    record Run(Recipe recipe, long seed, Path dir) {
        String label() { return recipe.name() + " seed " + seed; }

        Path trainDir() { return dir.getParent().resolve("train").resolve(dir.getFileName()); }

        Path log() { return dir.resolveSibling(dir.getFileName() + ".log"); }

        boolean finished() { return Files.exists(dir.resolve(DONE)); }
    }

    private final SweepConfig c;
    private final Path sweepDir;
    private final List<Run> runs = new ArrayList<>();
    private final Map<Run, LoopConfig> loopConfigs = new LinkedHashMap<>();
    private DirLock lock;

    private Sweep(SweepConfig c, Path sweepDir) {
        this.c = c;
        this.sweepDir = sweepDir;
    }

    /**
     * Loads the sweep, resolves and checks every run's config, then (under the sweep directory's lock) writes them; nothing
     * is written when any is wrong. A sweep directory that holds a sweep needs {@code resume}.
     */
    public static Sweep open(Path file, List<String> overrides, boolean resume) {
        SweepConfig c = SweepConfig.load(file, overrides);
        Path out = c.outputDir();
        Targets.requireWritableDirectory(out, "output_dir");
        if (!resume && !Targets.entries(out).isEmpty()) {
            throw new UserError("output_dir " + out + " is not empty; add --resume to continue its sweep, or choose another output_dir");
        }
        Sweep s = new Sweep(c, file.toAbsolutePath().normalize().getParent());
        Map<Path, String> configs = s.plan();
        s.lock = DirLock.take(out);
        try {
            configs.forEach((f, yaml) -> {   // all checked before any is written
                if (!Files.exists(f)) return;
                try {
                    // as this version resolves the saved config: keys added since the run started take their defaults
                    String saved = ResolvedConfig.setsKey(f, "policy") ? Resume.resolvedNow(f) : SavedConfig.resolvedNow(f);
                    ResolvedConfig.requireSame(f, saved, yaml, Set.of());
                } catch (UserError e) {
                    throw new UserError(f.getParent() + " ran with another config; a finished or started run keeps its recipe: "
                            + e.getMessage(), e);
                }
            });
            configs.forEach((f, yaml) -> {
                if (Files.exists(f)) return;
                RunDir.createDirectories(f.getParent());
                RunDir.writeText(f, yaml);
            });
            RunDir.writeText(out.resolve(FILE), c.toYaml());
            return s;
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** Every run, seed by seed, with the config file each starts from and its text; an error names the recipe and seed. */
    private Map<Path, String> plan() {
        Map<Path, String> configs = new LinkedHashMap<>();
        for (long seed : c.seeds()) {
            for (String name : c.recipeNames()) {
                try {
                    Run run = new Run(Recipe.of(name, c.recipes().get(name), sweepDir), seed, c.outputDir().resolve(name).resolve("seed-" + seed));
                    runs.add(run);
                    resolve(run, configs);
                } catch (UserError e) {
                    throw new UserError("recipe " + name + ", seed " + seed + ": " + e.getMessage(), e);
                }
            }
        }
        return configs;
    }

    /** The run's config(s), resolved and checked: the run's own, or the train control's and its eval-only run's. */
    private void resolve(Run run, Map<Path, String> configs) {
        List<String> sweepKeys = List.of("seed=" + run.seed(), "output_dir=" + run.dir());
        if (run.recipe() instanceof Recipe.Loop l) {
            LoopConfig lc = base(run.seed(), concat(common(), mine(l.overrides()), sweepKeys));
            loopConfigs.put(run, lc);
            configs.put(run.dir().resolve(RunDir.CONFIG), lc.toYaml());
        } else if (run.recipe() instanceof Recipe.Train t) {
            Path file = Path.of(Recipe.seeded(t.config(), run.seed()));
            TrainConfig tc = TrainConfig.BINDER.parse(file.toString(), seededText(file, run.seed()), file.getParent(),
                    concat(Recipe.seeded(mine(t.overrides()), run.seed()), List.of("seed=" + run.seed(), "output_dir=" + run.trainDir())));
            configs.put(run.trainDir().resolve(RunDir.CONFIG), tc.toYaml());
            base(run.seed(), concat(common(), List.of("rounds=0"), sweepKeys));   // the eval-only run (its policy comes from training)
        }
    }

    /** A recipe's overrides, which may not set what the sweep sets for each run. */
    private static List<String> mine(List<String> overrides) {
        for (String o : overrides) {
            String key = o.substring(0, o.indexOf('='));
            if (key.equals("seed") || key.equals("output_dir")) {
                throw new UserError(key + " is set by the sweep for each run (seeds:, and OUT/<recipe>/seed-<s>); remove it from the recipe");
            }
        }
        return overrides;
    }

    /** The base config at {@code seed} with {@code overrides} ({@code ${seed}} replaced in both). */
    private LoopConfig base(long seed, List<String> overrides) {
        List<String> seeded = Recipe.seeded(overrides, seed);
        if (c.base().isTextual()) {
            Path file = sweepDir.resolve(Recipe.seeded(c.base().asText(), seed)).normalize();
            return LoopConfig.BINDER.parse(file.toString(), seededText(file, seed), file.getParent(), seeded);
        }
        try {
            String yaml = Recipe.seeded(new YAMLMapper().writeValueAsString(c.base()), seed);
            return LoopConfig.BINDER.parse("the sweep's base", yaml, sweepDir, seeded);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A config file's text with {@code ${seed}} replaced: a file may name the starting policy of each seed. */
    private static String seededText(Path file, long seed) {
        if (!Files.isRegularFile(file)) throw new UserError("config file not found: " + file);
        return Recipe.seeded(ResolvedConfig.read(file), seed);
    }

    private List<String> common() { return mine(Recipe.overrides(c.overrides(), List.of())); }

    /**
     * Runs what is not finished, {@code jobs} at a time; returns the runs that failed (their logs say why). Prints a
     * line as each run starts, finishes a round and ends.
     */
    public List<String> run(int jobs, ChildJpo launcher) {
        Deque<Run> pending = new ArrayDeque<>();
        long skipped = 0;
        for (Run r : runs) {
            if (r.finished()) skipped++;
            else pending.add(r);
        }
        log.info("sweep {}: {} recipes × {} seeds = {} runs, {} finished already; {} at a time, {} threads each", c.outputDir(),
                c.recipeNames().size(), c.seeds().size(), runs.size(), skipped, jobs, launcher.threads());
        List<Live> live = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        try (Progress bar = Progress.start("sweep", "runs", runs.size(), skipped)) {
            long done = skipped;
            while (!pending.isEmpty() || !live.isEmpty()) {
                while (live.size() < jobs && !pending.isEmpty()) live.add(new Live(pending.poll(), launcher));
                sleep(200);
                for (Live l : new ArrayList<>(live)) {
                    l.report();
                    if (l.process.isAlive()) continue;
                    String end = l.next();
                    if (end == null) continue;
                    live.remove(l);
                    if (!end.isEmpty()) failed.add(end);
                    bar.update(++done, l.run.label() + (end.isEmpty() ? " done" : " failed"));
                }
            }
        } finally {
            live.forEach(l -> l.process.destroyForcibly());
        }
        return failed;
    }

    /** A run in progress: its current process (the train control's jpo train, then its run), rounds seen, start time. */
    private final class Live {
        final Run run;
        final ChildJpo launcher;
        final long t0 = System.nanoTime();
        Process process;
        boolean training;
        int roundsSeen = -1;

        Live(Run run, ChildJpo launcher) {
            this.run = run;
            this.launcher = launcher;
            training = run.recipe() instanceof Recipe.Train && !Files.exists(run.trainDir().resolve("final"));
            if (training) {
                log.info("{}: jpo train ({})", run.label(), run.trainDir());
                process = start(List.of("train", run.trainDir().resolve(RunDir.CONFIG).toString(), "--resume"));
            } else {
                startRun();
            }
        }

        private void startRun() {
            if (run.recipe() instanceof Recipe.Train && !Files.exists(run.dir().resolve(RunDir.CONFIG))) {
                LoopConfig eval = base(run.seed(), concat(common(), List.of("rounds=0", "policy=" + run.trainDir().resolve("final"),
                        "seed=" + run.seed(), "output_dir=" + run.dir())));
                RunDir.createDirectories(run.dir());
                RunDir.writeText(run.dir().resolve(RunDir.CONFIG), eval.toYaml());
            }
            LoopConfig lc = loopConfigs.get(run);
            log.info("{}: jpo run{} ({})", run.label(), lc == null ? ", evaluation only" : ", " + lc.rounds() + " rounds", run.dir());
            process = start(List.of("run", run.dir().resolve(RunDir.CONFIG).toString(), "--resume"));
        }

        private Process start(List<String> args) {
            List<String> cmd = launcher.command(args);
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(run.log().toFile()));
            pb.environment().put("JPO_EXIT_WITH_PARENT", "1");   // the child watches its stdin: a killed sweep takes its runs along
            try {
                return pb.start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + cmd.get(0) + ": " + e.getMessage(), e);
            }
        }

        /** A line when the run's rounds.jsonl grows. */
        void report() {
            int n = lines(run.dir().resolve(RunDir.ROUNDS));
            if (n > roundsSeen && n > 0) log.info("{}: round {} evaluated, {}", run.label(), n - 1, Progress.clock(seconds()));
            roundsSeen = Math.max(roundsSeen, n);
        }

        /** After the process ended: null when a next process started, "" when the run finished, else why it failed. */
        String next() {
            int exit = process.exitValue();
            if (exit != 0) {
                String why = run.label() + " (exit " + exit + ", see " + run.log() + ")";
                log.warn("{} failed after {}: exit {}; its log: {}", run.label(), Progress.clock(seconds()), exit, run.log());
                return why;
            }
            if (training) {
                training = false;
                startRun();
                return null;
            }
            Costs measured = Costs.of(run.dir());   // its tokens; the seconds are the sweep's, a control's training included
            new Costs(seconds(), measured.sampledTokens(), measured.trainedTokens()).write(run.dir());
            log.info("{}: done in {}", run.label(), Progress.clock(seconds()));
            return "";
        }

        double seconds() { return (System.nanoTime() - t0) / 1e9; }
    }

    private static int lines(Path f) {
        if (!Files.exists(f)) return 0;
        try (Stream<String> s = Files.lines(f)) {
            return (int) s.filter(l -> !l.isBlank()).count();
        } catch (IOException | UncheckedIOException e) {
            return 0;   // being replaced this instant; the next poll reads it
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserError("interrupted");
        }
    }

    @SafeVarargs
    private static List<String> concat(List<String>... parts) {
        List<String> all = new ArrayList<>();
        for (List<String> p : parts) all.addAll(p);
        return all;
    }

    public int size() { return runs.size(); }

    @Override public void close() {
        if (lock != null) lock.close();
    }
}
