package org.jpo.config;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Advice for names a user may bring from elsewhere (TRL's {@code rpo_alpha}): on a config record, for unknown
 * keys; on an enum, for unknown values. Each entry is {@code "name: advice"}.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface Hints {
    String[] value();
}
