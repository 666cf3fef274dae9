package org.qmailj.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * Marks a test that changes the machine outside its temporary directories: the real
 * /var/qmail, /usr/sbin/sendmail and /usr/lib/sendmail, the qmail system users, /var/log/qmail,
 * /usr/local/share/man, systemd, dpkg's database. It runs only with {@code QMAIL_TEST_SYSTEM=1}
 * in the environment (CI's .ci/run sets it); by default the same logic is tested against
 * temporary roots, so a developer can run the suite as root on a machine that runs mail.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@EnabledIfEnvironmentVariable(named = SystemTest.VARIABLE, matches = "1",
        disabledReason = "changes the machine: set QMAIL_TEST_SYSTEM=1 to run it (as CI does)")
public @interface SystemTest {
    String VARIABLE = "QMAIL_TEST_SYSTEM";
}
