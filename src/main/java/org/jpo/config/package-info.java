/**
 * One binder from YAML to immutable config records, for every command: keys are record components with their
 * default and meaning ({@link org.jpo.config.Key}), errors name file:line, overrides are key=value.
 * <p>Imports no other jpo package (only {@code org.jpo.UserError}); every package may import its annotations,
 * {@code Check} and {@code ConfigError}.
 */
package org.jpo.config;
