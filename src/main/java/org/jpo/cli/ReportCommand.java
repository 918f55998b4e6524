package org.jpo.cli;

import org.jpo.UserError;
import org.jpo.eval.Report;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code jpo report}: (re)write a run directory's report.html, e.g. after copying a run off the training machine. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Write RUN_DIR/report.html: one self-contained page (opens offline) with the eval scores per round, "
                + "training curves, pair counts and margins, time per phase and example completions.")
final class ReportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RUN_DIR", description = "A directory written by jpo run.") Path runDir;

    @Override public Integer call() {
        if (!Files.isDirectory(runDir)) throw new UserError("RUN_DIR " + runDir + ": not a directory");
        if (!Files.isRegularFile(runDir.resolve("rounds.jsonl")))
            throw new UserError("RUN_DIR " + runDir + ": no rounds.jsonl (not a jpo run directory)");
        Report.write(runDir);
        System.err.println("wrote " + runDir.resolve("report.html"));
        return 0;
    }
}
