package org.jpo.cli;

import org.jpo.eval.Comparison;
import org.jpo.io.Targets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code jpo compare}: recipes compared over seeds, with intervals, so that a difference the seeds explain is not called one. */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = "Compare recipes over seeds: each eval key's mean with a 95%% Student t interval per recipe, and the difference "
                + "to the baseline paired over the seeds both ran (interval and paired t-test p); then each recipe's costs (seconds, "
                + "sampled and trained tokens). Prints the final round's rows (--all-rounds: every round's) and writes compare.html.")
final class CompareCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(CompareCommand.class);

    @Parameters(arity = "1..*", paramLabel = "DIR",
            description = "A jpo sweep directory (sweep.yaml; its recipes are its subdirectories of seed-<s>/ runs) or a jpo run "
                    + "directory (rounds.jsonl; one named seed-<s> belongs to the recipe its parent names, any other is a recipe).")
    List<Path> dirs;

    @Option(names = "--baseline", paramLabel = "NAME", description = "The recipe the others are compared to (default: the sweep's "
            + "baseline, else the first recipe).")
    String baseline;

    @Option(names = "--out", paramLabel = "FILE", description = "Where compare.html goes (default: the first DIR's compare.html).") Path out;

    @Option(names = "--overwrite", description = "Replace an existing --out.") boolean overwrite;

    @Option(names = "--all-rounds", description = "Print every round's rows, not only the final round's.") boolean allRounds;

    @Override public Integer call() {
        Comparison c = Comparison.of(dirs, baseline);
        Path file = out != null ? out : dirs.get(0).resolve("compare.html");
        Targets.requireWritableFile(file, "--out", overwrite);
        c.notes().forEach(n -> log.warn(n));
        System.out.print(c.table(allRounds));
        c.writeHtml(file);
        log.info("wrote " + file);
        return 0;
    }
}
