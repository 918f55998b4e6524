package org.jpo.cli;

import org.jpo.ChildJpo;
import org.jpo.UserError;
import org.jpo.sweep.SweepConfig;
import org.jpo.sweep.Sweep;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code jpo sweep}: recipes × seeds, each a real jpo run in its own process, J at a time. */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = "Run every recipe of SWEEP.yaml at every seed as a jpo run into OUT/<recipe>/seed-<s>/ (see jpo compare). "
                + "key=value arguments override the sweep file's keys.")
final class SweepCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "SWEEP.yaml") Path file;
    @Parameters(index = "1..*", paramLabel = "key=value", description = "Overrides of the sweep file's keys.") List<String> overrides = List.of();
    @Option(names = "--jobs", paramLabel = "J", defaultValue = "1",
            description = "Runs at once, each its own process with cores/J threads (or --threads). Default ${DEFAULT-VALUE}.") int jobs;
    @Option(names = "--resume", description = "Continue the sweep in output_dir: finished runs are skipped, unfinished ones resumed.") boolean resume;
    @Option(names = "--print-defaults", description = "Print the sweep file's keys with their meaning, then exit.") boolean printDefaults;

    @Override public Integer call() {
        if (printDefaults) {
            System.out.print(SweepConfig.defaultsYaml());
            return 0;
        }
        if (file == null) throw new UserError("jpo sweep needs a SWEEP.yaml (see jpo sweep --print-defaults)");
        if (jobs < 1) throw new UserError("--jobs must be >= 1, got " + jobs);
        int threads = Main.threadsGiven().orElse(Math.max(1, Runtime.getRuntime().availableProcessors() / jobs));
        try (Sweep sweep = Sweep.open(file, overrides, resume)) {
            List<String> failed = sweep.run(jobs, ChildJpo.sameJvm(threads));
            if (!failed.isEmpty()) {
                System.err.println("error: " + failed.size() + " of " + sweep.size() + " runs failed: " + String.join("; ", failed)
                        + ". What finished is kept: fix the cause and run again with --resume");
                return 1;
            }
        }
        return 0;
    }
}
