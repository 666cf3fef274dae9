package org.qmailj.install;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.QmailHome;

/** qmail-install's command line: --help is an answer (stdout, 0), a bad option an error (stderr, 100). */
class QmailInstallTest {
    record Run(int exit, String out, String err) {}

    static Run run(Path from, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = QmailInstall.run(args, new QmailHome(from), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpPrintsTheUsageOnStdoutAndSucceeds(@TempDir Path tmp) throws Exception {
        for (String help : new String[] {"--help", "-h"}) {
            Run r = run(tmp, help);
            assertThat(r.exit()).as(help).isZero();
            assertThat(r.out()).startsWith("usage: qmail-install DIR [--sandbox]")
                    .contains("--mta [DIR]").contains("--uninstall [DIR]").contains("--rollback [DIR]").contains("--no-aot").contains("--smtp=HOST:PORT");
            assertThat(r.err()).isEmpty();
        }
        // --help wins over the rest of the line and installs nothing.
        Run r = run(tmp, tmp.resolve("home").toString(), "--sandbox", "--help");
        assertThat(r.exit()).isZero();
        assertThat(Files.exists(tmp.resolve("home"))).isFalse();
    }

    @Test
    void anUnknownOptionIsAUsageErrorOnStderr(@TempDir Path tmp) {
        Run r = run(tmp, "--bogus");
        assertThat(r.exit()).isEqualTo(100);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("qmail-install: usage: qmail-install DIR");
        assertThat(Files.exists(tmp.resolve("--bogus"))).isFalse();
    }
}
