package org.jpo.cli;

import org.jpo.Console;
import org.jpo.UserError;
import org.jpo.dist.Dist;
import org.jpo.dist.Group;
import org.jpo.io.DirLock;
import org.jpo.io.Targets;
import org.jpo.train.Run;
import org.jpo.train.Runs;
import org.jpo.train.SavedConfig;
import org.jpo.train.TrainConfig;
import org.jpo.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code jpo train}: DPO-family, KTO, SFT or reward-model training from one YAML config. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train from a YAML config (TRL's key names; method: dpo | kto | sft | reward). key=value arguments "
                + "override config keys (dotted for nested blocks). Writes checkpoints, metrics.jsonl and final/ under output_dir.")
final class TrainCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "CONFIG.yaml") Path config;
    @Parameters(index = "1..*", paramLabel = "key=value", description = "Config overrides.") List<String> overrides = List.of();
    @Option(names = "--resume", description = "Continue from the newest checkpoint in output_dir.") boolean resume;
    @Option(names = "--overwrite", description = "Empty a non-empty output_dir first (without it, a non-empty output_dir is refused unless --resume).")
    boolean overwrite;
    @Option(names = "--print-defaults", description = "Print every config key with its default and meaning, then exit.") boolean printDefaults;

    @Override public Integer call() {
        if (printDefaults) {
            System.out.print(TrainConfig.defaultsYaml());
            return 0;
        }
        if (config == null) throw new UserError("jpo train needs a CONFIG.yaml (see jpo train --print-defaults)");
        TrainConfig c = TrainConfig.load(config, overrides);
        if (resume && overwrite) throw new UserError("--resume continues output_dir and --overwrite empties it: give one");
        // data parallel: every rank joins first, so a rank that stops below ends the others at once
        Optional<Group> group = Dist.join(c.dist());
        if (group.isPresent() && !group.get().world().leader()) {
            // rank 0 checks and owns output_dir; the others only read it
            try (Console.Hush h = Console.hush()) {
                if (resume) SavedConfig.requireResumable(c);
                return train(c);
            }
        }
        Targets.requireWritableDirectory(c.outputDir(), "output_dir");   // a file or an unwritable place: refused before the lock writes
        try (DirLock lock = DirLock.take(c.outputDir())) {
            if (resume) SavedConfig.requireResumable(c);
            else Targets.requireFreshDirectory(c.outputDir(), "output_dir", overwrite, "add --resume to continue its run, or --overwrite to replace it");
            return train(c);
        }
    }

    private Integer train(TrainConfig c) {
        Optional<Path> from = resume ? Trainer.latestCheckpoint(c.outputDir()) : Optional.empty();
        if (resume && from.isEmpty() && !java.nio.file.Files.exists(c.outputDir().resolve("final"))) System.err.println("--resume: no checkpoint in " + c.outputDir() + "; starting from the beginning");
        Run<?> run = Runs.prepare(c, from, Runs.defaultCacheDir());
        Trainer.Result r = Trainer.train(run, from);
        var summary = org.jpo.io.Jsonl.JSON.createObjectNode();
        summary.put("final_model", r.finalModel().toString());
        summary.put("steps", r.steps());
        summary.put("resumed_from_step", r.startStep());
        summary.put("reference_cache_hit", r.referenceCacheHit());
        summary.put("trainable_parameters", r.trainableParameters());
        summary.set("train", org.jpo.io.Jsonl.JSON.valueToTree(r.lastLog()));
        summary.set("eval", org.jpo.io.Jsonl.JSON.valueToTree(r.eval()));
        System.out.println(summary);
        return 0;
    }
}
