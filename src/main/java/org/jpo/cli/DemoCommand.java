package org.jpo.cli;

import org.jpo.UserError;
import org.jpo.eval.EvalResult;
import org.jpo.eval.RoundRecord;
import org.jpo.demo.DemoLoop;
import org.jpo.demo.StartingPolicy;
import org.jpo.demo.StoriesDemo;
import org.jpo.loop.Loop;
import org.jpo.loop.LoopConfig;
import org.jpo.tensor.Natives;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code jpo demo}: the main job, offline. Makes a synthetic addition task, trains a small policy on it from scratch
 * with SFT (stopped while mediocre), then runs iterative RPO rounds with the math verifier through the same loop as
 * {@code jpo run}.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, subcommands = DemoCommand.Stories.class,
        description = "Offline demo: a synthetic addition task, an SFT policy trained from scratch, then rounds of iterative RPO "
                + "(DPO + NLL) scored by the math verifier, through jpo run. Prints the per-round table and the report path.")
final class DemoCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(DemoCommand.class);

    @Option(names = "--out", paramLabel = "DIR", description = "Where everything goes; must not exist (default: runs/demo-seed<S>, or -2, -3, ... if taken).") Path out;
    @Option(names = "--seed", paramLabel = "S", description = "Seed of the data, the initial weights, SFT and the loop (default 0).") long seed;
    @Option(names = "--rounds", paramLabel = "N", description = "Preference rounds (default 3; 0 = the SFT start and its evaluation only).") int rounds = 3;
    @Option(names = "--task", paramLabel = "T", description = "addition (default: \"27+58=\" → \"85\") or chain (multi-step: \"17+25+8=\" → "
            + "\"17+25=42\\n42+8=50\", 3-4 operands, one line per step).") DemoTask task = DemoTask.addition;

    enum DemoTask {
        addition(StartingPolicy.Settings.DEMO), chain(StartingPolicy.Settings.CHAIN);

        final StartingPolicy.Settings settings;

        DemoTask(StartingPolicy.Settings settings) { this.settings = settings; }
    }

    @Override public Integer call() {
        Main.defaultThreads(1);   // a 150K-parameter model gains nothing from a second thread
        Path dir = out != null ? fresh(out) : unused(Path.of("runs", (task == DemoTask.addition ? "demo" : "demo-" + task) + "-seed" + seed));
        long t0 = System.nanoTime();
        StartingPolicy.Settings settings = task.settings;
        log.info("jpo demo: {} task, SFT from scratch (stops at {}% greedy accuracy on training prompts)...", task, Math.round(100 * settings.target()));
        StartingPolicy.Prepared p = StartingPolicy.prepare(dir, seed, settings);
        System.out.printf("SFT: %d steps, greedy accuracy on eval.jsonl %.1f%%, %.0f s%n", p.sftSteps(), 100 * p.sftAccuracy(), (System.nanoTime() - t0) / 1e9);
        link(dir.resolve("start"), p.policy());
        Path run = dir.resolve("run");
        LoopConfig c = LoopConfig.load(DemoLoop.write(dir.resolve("loop.yaml"), run, p, settings, seed, rounds), List.of());
        List<RoundRecord> lines;
        try (Loop loop = Loop.open(c, false)) {
            lines = loop.run();
        }
        double before = lines.get(0).eval().greedyPassRate(), after = lines.get(lines.size() - 1).eval().greedyPassRate();
        System.out.printf("greedy accuracy on %d held-out problems: %.1f%% (SFT) -> %.1f%% (round %d): %+.1f points, in %.0f s%n",
                lines.get(0).eval().prompts().intValue(), 100 * before, 100 * after, lines.size() - 1, 100 * (after - before),
                (System.nanoTime() - t0) / 1e9);
        System.out.println("report: " + run.resolve("report.html"));
        return 0;
    }

    /** {@code start} → the SFT checkpoint the rounds start from (a relative link), which sweeps and controls name per seed. */
    private static void link(Path start, Path policy) {
        try {
            Files.createSymbolicLink(start, start.getParent().relativize(policy));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot link " + start + " to " + policy, e);
        }
    }

    /** {@code dir}, or the first of dir-2, dir-3, ... that does not exist, so a second demo never meets the first's files. */
    static Path unused(Path dir) {
        Path d = dir;
        for (int k = 2; Files.exists(d); k++) d = dir.resolveSibling(dir.getFileName() + "-" + k);
        return d.toAbsolutePath();
    }

    static Path fresh(Path dir) {
        if (Files.exists(dir)) throw new UserError(dir + " exists; the demo writes a fresh directory: remove it or choose another --out");
        return dir.toAbsolutePath();
    }

    /** {@code jpo demo stories}: the same loop on a real pretrained model with a rule preference. */
    @Command(name = "stories", mixinStandardHelpOptions = true,
            description = "The loop on stories260K (or any small story model): rounds of online DPO preferring stories that mention a park.")
    static final class Stories implements Callable<Integer> {
        @Option(names = "--model", required = true, paramLabel = "M", description = "stories260K.bin (llama2.c) or an HF directory") Path model;
        @Option(names = "--tokenizer", paramLabel = "T", description = "tok512.bin, or the model directory's tokenizer") Path tokenizer;
        @Option(names = "--out", paramLabel = "DIR", description = "Where everything goes; must not exist (default: runs/demo-stories-seed<S>, or -2, -3, ... if taken).") Path out;
        @Option(names = "--seed", paramLabel = "S", description = "Seed of the loop (default 0).") long seed;
        @Option(names = "--rounds", paramLabel = "N", description = "Rounds (default 3).") int rounds = 3;

        @Override public Integer call() {
            Main.defaultThreads(1);
            Path dir = out != null ? fresh(out) : unused(Path.of("runs", "demo-stories-seed" + seed));
            long t0 = System.nanoTime();
            LoopConfig c = LoopConfig.load(StoriesDemo.write(dir, model, tokenizer, seed, rounds), List.of());
            List<RoundRecord> lines;
            try (Loop loop = Loop.open(c, false)) {
                lines = loop.run();
            }
            EvalResult first = lines.get(0).eval(), last = lines.get(lines.size() - 1).eval();
            System.out.printf("stories mentioning \"%s\" on %d held-out openings: greedy %.1f%% -> %.1f%%, sampled %.1f%% -> %.1f%%, in %.0f s%n",
                    StoriesDemo.WORD, first.prompts().intValue(), 100 * first.greedyPassRate(), 100 * last.greedyPassRate(),
                    100 * first.passRate(), 100 * last.passRate(), (System.nanoTime() - t0) / 1e9);
            System.out.println("report: " + dir.resolve("run/report.html"));
            return 0;
        }
    }
}
