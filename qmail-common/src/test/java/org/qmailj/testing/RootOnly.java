package org.qmailj.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * Marks a test class that needs root (it creates users, changes owners, drops privileges).
 * scripts/test runs these whenever it runs as root, as CI does; a non-root developer run
 * excludes the tag (see the surefire/failsafe configuration in the parent pom).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("root")
public @interface RootOnly {}
