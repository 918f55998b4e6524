package org.jpo.config;

import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * API keys, one way for every server a config names: the config holds {@code api_key_env}, the name of an environment
 * variable, and the key stays in memory, so it never reaches a file (config.resolved.yaml is saved with every run).
 */
public final class ApiKeys {
    /** The variable read when a config names none. */
    public static final String DEFAULT_ENV = "JPO_API_KEY";

    /** A {@link Hints} entry refusing {@code api_key} in a config file. */
    public static final String HINT = "api_key: write the name of the environment variable holding the key as api_key_env "
            + "(default " + DEFAULT_ENV + "); a key must never be written in a config file";

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private ApiKeys() {}

    /**
     * {@code name} when it can name an environment variable. A key pasted here would be saved with the run, so the
     * message never repeats the value.
     */
    public static String checkEnvName(String key, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new ConfigError(key, key + " must name an environment variable (letters, digits and _, e.g. " + DEFAULT_ENV
                    + "), not hold the key itself");
        }
        return name;
    }

    /** The key in environment variable {@code name}; empty when it is unset or blank. */
    public static Optional<String> fromEnv(String name) { return fromEnv(name, System::getenv); }

    /** As {@link #fromEnv(String)}, reading variables through {@code env}. */
    static Optional<String> fromEnv(String name, UnaryOperator<String> env) {
        return Optional.ofNullable(env.apply(name)).filter(k -> !k.isBlank());
    }
}
