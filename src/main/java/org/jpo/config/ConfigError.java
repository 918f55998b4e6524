package org.jpo.config;

import org.jpo.UserError;

/**
 * A config value out of range or contradicting another, thrown by a record's compact constructor. The message
 * starts with the key as the record names it; {@link Binder} adds the file:line that set it and qualifies the
 * key with its block ({@code gamma} in {@code simpo} is {@code simpo.gamma}).
 */
public class ConfigError extends UserError {
    private final String key;

    public ConfigError(String key, String message) {
        super(message);
        this.key = key;
    }

    /** The key at fault, relative to the record that threw, e.g. {@code learning_rate} or {@code simpo.gamma}. */
    public String key() { return key; }
}
