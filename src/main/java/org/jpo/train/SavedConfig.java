package org.jpo.train;

import org.jpo.config.ResolvedConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The config a run saved in {@code output_dir/config.resolved.yaml}, against which {@code --resume} is checked: a resumed
 * run continues the same training, so every key must match except the length of training (to train longer or stop
 * sooner) and how the ranks of a data-parallel job talk. Everything else (data, model, loss, optimizer, schedule, seeds) would silently make a different run.
 */
public final class SavedConfig {
    public static final String FILE = "config.resolved.yaml";

    /** The keys a resumed run may change. */
    static final Set<String> MAY_CHANGE = Set.of("max_steps", "num_train_epochs", "dist_backend", "dist_timeout_seconds");

    private SavedConfig() {}

    /**
     * Refuses {@code c} if output_dir holds a saved config that differs from it in any key but {@link #MAY_CHANGE}. The saved
     * config is compared as this version resolves it: a key added since the run was written takes its default (which keeps
     * the old behaviour), so it is no difference; a config this version cannot read is compared as written, line by line.
     */
    public static void requireResumable(TrainConfig c) {
        Path saved = c.outputDir().resolve(FILE);
        if (Files.isRegularFile(saved)) ResolvedConfig.requireSame(saved, resolvedNow(saved), c.toYaml(), MAY_CHANGE);
    }

    /** A saved config as this version resolves it (see {@link #requireResumable}). */
    public static String resolvedNow(Path saved) {
        try {
            return TrainConfig.load(saved, List.of()).toYaml();
        } catch (RuntimeException e) {
            return ResolvedConfig.read(saved);
        }
    }
}
