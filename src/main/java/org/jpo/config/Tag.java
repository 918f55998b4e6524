package org.jpo.config;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The {@code type:} name of a record permitted by a sealed interface that a config binds as an {@link Inline}
 * group: {@code {type: contains, words: [park]}} binds the record tagged {@code contains}. Written out, not derived
 * from the class name, so renaming a class never changes what config files say.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface Tag {
    String value();

    /** What the type does, printed by {@code --print-defaults} above its keys. */
    String doc() default "";
}
