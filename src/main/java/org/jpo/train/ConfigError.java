package org.jpo.train;

import org.jpo.UserError;

/**
 * A config value that is out of range or contradicts another, naming the key (as written in a config file,
 * e.g. {@code simpo.gamma}) so the loader can point at the line that set it.
 */
public final class ConfigError extends UserError {
    private final String key;

    public ConfigError(String key, String message) {
        super(message);
        this.key = key;
    }

    /** The config key at fault, e.g. {@code learning_rate}. */
    public String key() { return key; }
}
