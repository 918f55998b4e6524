package org.jpo.cli;

import org.jpo.Console;
import org.jpo.UserError;
import org.jpo.dist.World;
import org.jpo.loop.Loop;
import org.jpo.loop.LoopConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code jpo run}: the iterative loop from one YAML config. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the iterative loop: evaluate the starting policy, then each round sample → score → pair → train → evaluate. "
                + "Writes output_dir/ (config.resolved.yaml, rounds.jsonl, report.html, round-NNN/); key=value arguments override "
                + "config keys (dotted inside sections, e.g. sampling.n=4).")
final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "LOOP.yaml") Path config;
    @Parameters(index = "1..*", paramLabel = "key=value", description = "Config overrides.") List<String> overrides = List.of();
    @Option(names = "--resume", description = "Continue a killed or finished run from its last completed phase (rounds may be raised).")
    boolean resume;
    @Option(names = "--print-defaults", description = "Print every config key with its default and meaning, then exit.") boolean printDefaults;

    @Override public Integer call() {
        if (printDefaults) {
            System.out.print(LoopConfig.defaultsYaml());
            return 0;
        }
        if (config == null) throw new UserError("jpo run needs a LOOP.yaml (see jpo run --print-defaults)");
        LoopConfig c = LoopConfig.load(config, overrides);
        boolean leader = World.from(System.getenv()).leader();
        try (Console.Hush h = leader ? null : Console.hush(); Loop loop = Loop.open(c, resume)) {   // data parallel: rank 0 speaks
            loop.run();
        }
        if (leader) System.out.println("report: " + c.outputDir().resolve("report.html"));
        return 0;
    }
}
