package org.jpo.config;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A config key: a record component, written in snake_case ({@code learningRate} is {@code learning_rate}), with
 * its default and meaning written once, here. {@link Binder} reads it; {@code --print-defaults} prints it.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface Key {
    /** The default as YAML; "null" when there is none or the record computes it (the doc says how). */
    String value() default "null";

    /** The key must be given. */
    boolean required() default false;

    /** What the key means, printed as its comment. */
    String doc();

    /** A titled group of keys starts at this one in the printed config. */
    String section() default "";
}
