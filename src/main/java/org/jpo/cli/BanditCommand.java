package org.jpo.cli;

import org.jpo.UserError;
import org.jpo.bandit.Experiment;
import org.jpo.bandit.ExperimentResult;
import org.jpo.bandit.Report;
import org.jpo.io.Targets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code jpo bandit EXPERIMENT}: the exact small-world checks of spec/losses.md, with table, CSV and SVG. */
@Command(name = "bandit", mixinStandardHelpOptions = true,
        description = {"Runs a bandit check of the losses and loops (a prompt with K one-token completions),",
                "prints its table and PASS/FAIL of each expected result, and writes <id>.csv, <id>.svg and",
                "<id>.txt into --out. Exit code 0 if every check passes, 1 if one fails."})
public final class BanditCommand implements Callable<Integer> {
    @Parameters(paramLabel = "EXPERIMENT",
            description = "ipo-vs-dpo, kl-optimum, intransitive, online-vs-offline, apo-momentum, group-estimators, nash-updates, or all")
    String experiment;

    @Option(names = "--seed", defaultValue = "0", description = "Run seed; every random stream derives from it (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", defaultValue = "out/bandit", paramLabel = "DIR",
            description = "Directory for the CSV, SVG and text files (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--overwrite", description = "Replace the experiments' files in --out if they exist.") boolean overwrite;

    @Override public Integer call() {
        List<Experiment> experiments = chosen();
        createOut(experiments);
        int failed = 0, total = 0;
        long start = System.nanoTime();
        for (Experiment e : experiments) {
            long t0 = System.nanoTime();
            ExperimentResult result = e.run(seed);
            String text = Report.text(result, seed, (System.nanoTime() - t0) / 1e9);
            System.out.println(text);
            write(result, text);
            total += result.claims().size();
            failed += (int) result.claims().stream().filter(c -> !c.pass()).count();
        }
        System.out.printf(Locale.ROOT, "%d of %d checks passed in %.1f s; files in %s%n", total - failed, total,
                (System.nanoTime() - start) / 1e9, out);
        return failed == 0 ? 0 : 1;
    }

    private List<Experiment> chosen() {
        if (experiment.equals("all")) return Arrays.asList(Experiment.values());
        try {
            return List.of(Experiment.byId(experiment));
        } catch (IllegalArgumentException e) {
            throw new UserError("EXPERIMENT: " + e.getMessage() + ", or all");
        }
    }

    /** Fails before any experiment runs if the results could not be written, or would replace earlier ones unasked. */
    private void createOut(List<Experiment> experiments) {
        Targets.requireWritableDirectory(out, "--out");
        for (Experiment e : experiments) {
            for (Path f : Report.files(e, out)) {
                if (Files.exists(f) && !overwrite) {
                    throw new UserError("--out " + out + " holds " + f.getFileName() + " from an earlier run; add --overwrite to replace it, "
                            + "or choose another --out");
                }
            }
        }
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new UserError("--out " + out + ": cannot write the results there (" + e + ")", e);
        }
    }

    private void write(ExperimentResult result, String text) {
        try {
            Report.write(result, text, out);
        } catch (IOException e) {
            throw new UserError("--out " + out + ": cannot write the results there (" + e.getMessage() + ")", e);
        }
    }
}
