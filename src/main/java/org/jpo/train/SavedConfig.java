package org.jpo.train;

import org.jpo.UserError;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The config a run saved in {@code output_dir/config.resolved.yaml}, against which {@code --resume} is checked: a resumed
 * run continues the same training, so every key must match except the length of training (to train longer or stop
 * sooner). Everything else (data, model, loss, optimizer, schedule, seeds) would silently make a different run.
 */
public final class SavedConfig {
    public static final String FILE = "config.resolved.yaml";

    /** The keys a resumed run may change. */
    static final Set<String> MAY_CHANGE = Set.of("max_steps", "num_train_epochs");

    private SavedConfig() {}

    /** Refuses {@code c} if output_dir holds a saved config that differs from it in any key but {@link #MAY_CHANGE}. */
    public static void requireResumable(TrainConfig c) {
        Path saved = c.outputDir().resolve(FILE);
        if (!Files.isRegularFile(saved)) return;
        List<String> was, now = keyLines(c.toYaml());
        try {
            was = keyLines(Files.readString(saved));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + saved + ": " + e.getMessage(), e);
        }
        for (int i = 0; i < Math.max(was.size(), now.size()); i++) {
            String a = i < was.size() ? was.get(i).strip() : "(nothing)", b = i < now.size() ? now.get(i).strip() : "(nothing)";
            if (!a.equals(b)) {
                throw new UserError("--resume: the config differs from the run's in " + saved + ": '" + a + "' is now '" + b
                        + "' (only " + String.join(" and ", MAY_CHANGE.stream().sorted().toList()) + " may change when resuming)");
            }
        }
    }

    /** The key lines of a resolved config: no comments, no blank lines, none of {@link #MAY_CHANGE}. */
    private static List<String> keyLines(String yaml) {
        return yaml.lines().filter(l -> !l.isBlank() && !l.strip().startsWith("#"))
                .filter(l -> MAY_CHANGE.stream().noneMatch(k -> l.startsWith(k + ":"))).toList();
    }
}
