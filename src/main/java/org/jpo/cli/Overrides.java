package org.jpo.cli;

import org.jpo.UserError;
import org.jpo.config.Binder;
import org.jpo.config.ConfigError;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/**
 * A command's settings record built from its flags, then {@code key=value} arguments applied by the config
 * {@link Binder}, as {@code jpo train CONFIG key=value} applies them to a file: each flag is the key of the same
 * name in snake_case ({@code --seq-len} is {@code seq_len}), an unknown key is refused with the closest valid one,
 * and a bad value names the flag or the override that gave it.
 */
final class Overrides {
    private Overrides() {}

    static <R extends Record> R bind(Binder<R> binder, Supplier<R> fromFlags, List<String> overrides) {
        R flags;
        try {
            flags = fromFlags.get();
        } catch (ConfigError e) {
            throw new UserError(flag(e.key()) + ": " + e.getMessage());
        }
        if (overrides.isEmpty()) return flags;
        // the flags' values as the "file" the overrides apply to; only a check across two keys can blame a line of it
        return binder.parse("the flags", binder.toYaml(flags, ""), Path.of("").toAbsolutePath(), overrides);
    }

    /** The flag of a config key: {@code timeout_seconds} is {@code --timeout-seconds}. */
    static String flag(String key) { return "--" + key.replace('_', '-'); }
}
