package org.jpo.config;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A record component whose own keys sit at its parent's level (TRL's configs are flat: {@code learning_rate},
 * not {@code optimizer: {learning_rate}}), printed as a titled group. Other record components are nested blocks.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface Inline {
    /** The group's title in the printed config; empty = none (the keys continue their parent's group). */
    String value();
}
