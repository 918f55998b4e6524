package org.jpo.config;

/**
 * A config section that knows which of its keys a run reads. A key it does not read may only hold its default
 * (so a setting is never silently ignored); {@link Binder} asks each enclosing section, outermost first.
 */
public interface Reads {
    /** Why {@code key} (dotted inside a block, e.g. {@code simpo.gamma}) is not read, or null when it is. */
    String unread(String key);
}
