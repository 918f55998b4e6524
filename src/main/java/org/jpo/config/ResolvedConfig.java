package org.jpo.config;

import org.jpo.UserError;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * A run's saved {@code config.resolved.yaml} against the config a resumed run would use: a resume continues the same
 * run, so every key line must match except the few that only say how long it runs.
 */
public final class ResolvedConfig {
    private ResolvedConfig() {}

    /** Refuses {@code yaml} unless its key lines are {@code saved}'s, the top-level keys in {@code mayChange} aside. */
    public static void requireSame(Path saved, String yaml, Set<String> mayChange) { requireSame(saved, read(saved), yaml, mayChange); }

    /** {@link #requireSame(Path, String, Set)} with the saved config's text as {@code savedYaml} (e.g. resolved again by this version). */
    public static void requireSame(Path saved, String savedYaml, String yaml, Set<String> mayChange) {
        List<String> was = keyLines(savedYaml, mayChange), now = keyLines(yaml, mayChange);
        for (int i = 0; i < Math.max(was.size(), now.size()); i++) {
            String a = i < was.size() ? was.get(i).strip() : "(nothing)", b = i < now.size() ? now.get(i).strip() : "(nothing)";
            if (!a.equals(b)) {
                throw new UserError("--resume: the config differs from the run's in " + saved + ": '" + a + "' is now '" + b
                        + "' (only " + String.join(" and ", mayChange.stream().sorted().toList()) + " may change when resuming)");
            }
        }
    }

    /** Whether the saved config sets the top-level {@code key} (what tells one command's directory from another's). */
    public static boolean setsKey(Path saved, String key) {
        return read(saved).lines().anyMatch(l -> l.startsWith(key + ":"));
    }

    /** The key lines of a resolved config: no comments, no blank lines, none of the top-level keys in {@code except}. */
    public static List<String> keyLines(String yaml, Set<String> except) {
        return yaml.lines().filter(l -> !l.isBlank() && !l.strip().startsWith("#"))
                .filter(l -> except.stream().noneMatch(k -> l.startsWith(k + ":"))).toList();
    }

    public static String read(Path saved) {
        try {
            return Files.readString(saved);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + saved + ": " + e.getMessage(), e);
        }
    }
}
