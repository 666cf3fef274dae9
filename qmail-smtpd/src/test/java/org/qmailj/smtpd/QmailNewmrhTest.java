package org.qmailj.smtpd;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.cdb.Cdb;

class QmailNewmrhTest {
    @TempDir
    Path dir;

    @Test
    void buildsTheCdbQmailSmtpdReads() throws Exception {
        TestHome h = new TestHome(dir).control("rcpthosts", "test.example")
                .control("morercpthosts", "# comment\nMore.Example \t\n\n.sub.example\n");
        assertThat(QmailNewmrh.run(h.home())).isZero();
        Cdb cdb = Cdb.open(h.root.resolve("control/morercpthosts.cdb"));
        assertThat(cdb.size()).isEqualTo(2);
        assertThat(cdb.find("more.example")).contains(new byte[0]);
        assertThat(cdb.find(".sub.example")).isPresent();
        assertThat(h.root.resolve("control/morercpthosts.tmp")).doesNotExist();
        try (LoopbackServer srv = LoopbackServer.smtpd(h, h.env()); SmtpClient c = srv.connect()) {
            c.reply();
            c.send("MAIL FROM:<a@b>\r\n").reply();
            assertThat(c.send("RCPT TO:<x@MORE.example>\r\n").reply()).isEqualTo("250 ok\r\n");
            assertThat(c.send("RCPT TO:<x@a.sub.example>\r\n").reply()).isEqualTo("250 ok\r\n");
            assertThat(c.send("RCPT TO:<x@sub.example>\r\n").reply()).startsWith("553 ");
        }
        Files.delete(h.root.resolve("control/morercpthosts"));
        assertThat(QmailNewmrh.run(h.home())).isEqualTo(111);
        assertThat(Cdb.open(h.root.resolve("control/morercpthosts.cdb")).size()).isEqualTo(2);
    }
}
