package org.qmailj.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.qmailj.queue.TestHome.bytes;
import static org.qmailj.queue.TestHome.str;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.queue.Envelope;
import org.qmailj.common.queue.SocketQueueClient;
import org.qmailj.common.sys.Proc;
import org.qmailj.testing.Cmd;

/** sendmail as qmail's wrapper: the options it maps onto qmail-inject, -bp, -bs, and the files -t queues. */
class SendmailTest {
    @TempDir Path dir;
    TestHome t;
    final Clock clock = Clock.fixed(Instant.parse("2026-11-29T10:45:07Z"), ZoneOffset.UTC);
    final long pid = ProcessHandle.current().pid();
    final Map<String, String> env = new HashMap<>(Map.of("USER", "joe"));
    final CapturingClient queue = new CapturingClient();
    final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

    @BeforeEach
    void home() throws Exception {
        t = TestHome.sandbox(dir.resolve("home"));
        t.control("me", "mx.example.com\n");
    }

    int sendmail(String message, String... args) {
        return Sendmail.run(args, t.home, env, new ByteArrayInputStream(bytes(message)), stdout, new PrintStream(stderr), queue, clock);
    }

    @Test
    void dashTQueuesQmailsFiles() throws Exception {
        env.put("USER", "root");
        try (WriterServer s = WriterServerTest.serve(t)) {
            int exit = Sendmail.run(new String[] {"-t", "-oi"}, t.home, env,
                    new ByteArrayInputStream(bytes("To: root\nSubject: hello\n\nbody\n")), stdout, new PrintStream(stderr),
                    new SocketQueueClient(s.socket()), clock);
            assertThat(exit).as(stderr.toString()).isZero();
        }
        long n = t.todo().getFirst();
        assertThat(str(t.mess(n))).matches("Received: \\(qmail " + pid + " invoked by uid " + Proc.getuid()
                + "\\); \\d+ [A-Z][a-z]{2} \\d{4} \\d\\d:\\d\\d:\\d\\d -0000\n" + Pattern.quote(
                "Date: 29 Nov 2026 10:45:07 -0000\nMessage-ID: <20261129104507." + pid + ".qmail@mx.example.com>\n"
                + "From: root@mx.example.com\nTo: root@mx.example.com\nSubject: hello\n\nbody\n"));
        assertThat(str(Files.readAllBytes(t.queue.todo(n))))
                .isEqualTo("u" + Proc.getuid() + "\0p" + n + "\0Froot@mx.example.com\0Troot@mx.example.com\0");
        assertThat(stdout.toString()).isEmpty();
    }

    @Test
    void optionsMapOntoQmailInject() {
        String m = "To: hdr@x.y\n\nb\n";
        assertThat(sendmail(m, "arg@x.y")).isZero();
        assertThat(queue.envelope.recipients()).containsExactly("arg@x.y");
        assertThat(sendmail(m, "-t", "arg@x.y")).isZero();
        assertThat(queue.envelope.recipients()).containsExactly("hdr@x.y", "arg@x.y");
        assertThat(sendmail(m)).as("without -t the header is not used").isEqualTo(100);
        assertThat(sendmail(m, "-f", "bounce@x.y", "-FJoe Q", "-i", "-oi", "-odb", "-oem", "-v", "-x", "-m",
                "-B8BITMIME", "-p", "smtp:host", "-e", "q", "-Jfoo", "a@x.y")).isZero();
        assertThat(queue.envelope).isEqualTo(new Envelope("bounce@x.y", List.of("a@x.y")));
        assertThat(queue.text()).contains("From: Joe Q <joe@mx.example.com>\n");
        assertThat(sendmail(m, "-fother@x.y", "-bm", "--", "-dash@x.y")).isZero();
        assertThat(queue.envelope).isEqualTo(new Envelope("other@x.y", List.of("-dash@x.y")));
        assertThat(sendmail(m, "-q")).isZero();
        assertThat(sendmail(m, "-q30m")).isZero();
        assertThat(sendmail(m, "-Z")).isEqualTo(100);
        assertThat(stderr.toString()).contains(Sendmail.USAGE);
        assertThat(sendmail(m, "-bz")).isEqualTo(100);
        assertThat(sendmail(m, "-f")).isEqualTo(100);
    }

    @Test
    void dashBpIsQmailQread() throws Exception {
        QueueListingTest.message(t, 104545, "12345", "s@h", "Tme@here\0", null, Instant.parse("1997-07-28T18:27:11Z"));
        assertThat(sendmail("", "-bp")).isZero();
        assertThat(stdout.toString()).isEqualTo("28 Jul 1997 18:27:11 GMT  #104545  5  <s@h> \n\tlocal\tme@here\n");
    }

    @Test
    void runAsMailqItIsQmailQreadAndAsNewaliasesItRefuses() throws Exception {
        QueueListingTest.message(t, 104545, "12345", "s@h", "Tme@here\0", null, Instant.parse("1997-07-28T18:27:11Z"));
        assertThat(Sendmail.programName("/usr/bin/mailq")).isEqualTo("mailq");
        assertThat(Sendmail.run(Sendmail.programName("/x/y/mailq"), new String[0], t.home, env,
                new ByteArrayInputStream(bytes("To: a@b.c\n\n")), stdout, new PrintStream(stderr), queue, clock)).isZero();
        assertThat(stdout.toString()).isEqualTo("28 Jul 1997 18:27:11 GMT  #104545  5  <s@h> \n\tlocal\tme@here\n");
        assertThat(queue.envelope).isNull();
        assertThat(Sendmail.run("newaliases", new String[0], t.home, env, new ByteArrayInputStream(new byte[0]), stdout,
                new PrintStream(stderr), queue, clock)).isEqualTo(100);
        assertThat(stderr.toString()).isEqualTo("sendmail: fatal: please use fastforward/newaliases instead\n");
        // Bad options are still refused first, as qmail's getopt loop comes before the name.
        stderr.reset();
        assertThat(Sendmail.run("mailq", new String[] {"-Z"}, t.home, env, new ByteArrayInputStream(new byte[0]), stdout,
                new PrintStream(stderr), queue, clock)).isEqualTo(100);
        assertThat(stderr.toString()).contains(Sendmail.USAGE);
    }

    @Test
    void dashBsExecsQmailSmtpdWithLoopbackEnvironment() throws Exception {
        Path smtpd = t.home.bin().resolve("qmail-smtpd");
        Files.writeString(smtpd, "#!/bin/sh\necho \"pid $$\"\nenv | grep -E '^(PROTO|RELAYCLIENT|DATABYTES|TCP[A-Z]*)=' | sort\ncat\n");
        smtpd.toFile().setExecutable(true);
        String cp = System.getProperty("java.class.path");
        List<String> cmd = new java.util.ArrayList<>(List.of("sh", "-c", "echo \"shell $$\"; exec \"$@\"", "sh"));
        cmd.addAll(Jvm.command(cp, t.home.root(), null, "org.qmailj.queue.Sendmail", "-bs"));
        Cmd.Result r = Cmd.run(cmd, Map.of(), null, bytes("HELO x\r\n"), 60);
        assertThat(r.exit()).as(r.toString()).isZero();
        String[] lines = r.out().split("\n");
        assertThat(lines[0].substring(6)).as("exec keeps the pid").isEqualTo(lines[1].substring(4));
        assertThat(r.out()).contains("DATABYTES=0\nPROTO=TCP\nRELAYCLIENT=\nTCPLOCALHOST=localhost\nTCPLOCALIP=127.0.0.1\n"
                + "TCPREMOTEHOST=localhost\nTCPREMOTEINFO=sendmail-bs\nTCPREMOTEIP=127.0.0.1\nHELO x\r\n");
        assertThat(Sendmail.smtpdEnv(Map.of("PROTO", "TCP", "TCPREMOTEIP", "10.1.1.1")))
                .isEqualTo(Map.of("PROTO", "TCP", "TCPREMOTEIP", "10.1.1.1"));
    }

    /** parse's reading of qmail's wrapper options, case by case: mode, -t, -f, -F, the rest. */
    @Test
    void parseReadsTheWrappersOptions() {
        record Case(String[] args, Sendmail.Mode mode, boolean t, String sender, String name, List<String> rest) {}
        String[] none = {};
        List<Case> cases = List.of(
                new Case(none, Sendmail.Mode.INJECT, false, null, null, List.of()),
                new Case(new String[] {"-t"}, Sendmail.Mode.INJECT, true, null, null, List.of()),
                new Case(new String[] {"-ti", "-oi", "-oem", "-odb", "a@b"}, Sendmail.Mode.INJECT, true, null, null, List.of("a@b")),
                new Case(new String[] {"-fme@x", "-FMe Too", "r"}, Sendmail.Mode.INJECT, false, "me@x", "Me Too", List.of("r")),
                new Case(new String[] {"-f", "me@x", "-F", "Name", "--", "-t"}, Sendmail.Mode.INJECT, false, "me@x", "Name", List.of("-t")),
                new Case(new String[] {"-tf", "s@x", "r1", "-t", "r2"}, Sendmail.Mode.INJECT, true, "s@x", null, List.of("r1", "-t", "r2")),
                new Case(new String[] {"-", "-t"}, Sendmail.Mode.INJECT, false, null, null, List.of("-", "-t")),
                new Case(new String[] {"-vxm", "-Ex", "-Jy", "-B", "8BITMIME", "-p", "smtp", "-e", "q", "r"},
                        Sendmail.Mode.INJECT, false, null, null, List.of("r")),
                new Case(new String[] {"-bm", "-t"}, Sendmail.Mode.INJECT, true, null, null, List.of()),
                new Case(new String[] {"-bp"}, Sendmail.Mode.QREAD, false, null, null, List.of()),
                new Case(new String[] {"-b", "s", "-t"}, Sendmail.Mode.SMTPD, false, null, null, List.of()),
                new Case(new String[] {"-q30m"}, Sendmail.Mode.QUEUE_RUN, false, null, null, List.of()),
                new Case(new String[] {"-t", "-q", "-Z"}, Sendmail.Mode.QUEUE_RUN, false, null, null, List.of()),
                new Case(new String[] {"-bz"}, Sendmail.Mode.USAGE, false, null, null, List.of()),
                new Case(new String[] {"-b", ""}, Sendmail.Mode.USAGE, false, null, null, List.of()),
                new Case(new String[] {"-t", "-f"}, Sendmail.Mode.USAGE, false, null, null, List.of()),
                new Case(new String[] {"-tZ"}, Sendmail.Mode.USAGE, false, null, null, List.of()));
        for (Case c : cases) {
            Sendmail.Call call = Sendmail.parse(c.args());
            String as = String.join(" ", c.args());
            assertThat(call.mode()).as(as).isEqualTo(c.mode());
            assertThat(call.headerRecipients()).as(as).isEqualTo(c.t());
            assertThat(call.sender()).as(as).isEqualTo(c.sender());
            assertThat(call.mailName()).as(as).isEqualTo(c.name());
            assertThat(call.args()).as(as).containsExactlyElementsOf(c.rest());
        }
        assertThat(Sendmail.parse(new String[] {"-t", "-fs@x", "a", "-b"}).injectArgs())
                .containsExactly("-H", "-f", "s@x", "--", "a", "-b");
        assertThat(Sendmail.parse(new String[] {"--", "-a"}).injectArgs()).containsExactly("-a", "--", "-a");
        // Only a call that goes on to queue warms the socket up.
        assertThat(Sendmail.queues("sendmail", new String[] {"-t", "-oi"})).isTrue();
        assertThat(Sendmail.queues("sendmail", new String[] {"-bp"})).isFalse();
        assertThat(Sendmail.queues("sendmail", new String[] {"-q15m"})).isFalse();
        assertThat(Sendmail.queues("sendmail", new String[] {"-Z"})).isFalse();
        assertThat(Sendmail.queues("mailq", new String[0])).isFalse();
        assertThat(Sendmail.queues("newaliases", new String[0])).isFalse();
    }

    /** -F reaches qmail-inject as MAILNAME for this call only; the caller's environment is left alone. */
    @Test
    void dashCapitalFNamesTheSenderWithoutTouchingTheCallersEnvironment() {
        Map<String, String> callers = Map.copyOf(env);
        int exit = Sendmail.run(new String[] {"-FJoe Example", "a@b.c"}, t.home, callers,
                new ByteArrayInputStream(bytes("Subject: x\n\nb\n")), stdout, new PrintStream(stderr), queue, clock);
        assertThat(exit).as(stderr.toString()).isZero();
        assertThat(queue.text()).contains("From: Joe Example <joe@mx.example.com>\n");
        assertThat(callers).doesNotContainKey("MAILNAME");
    }
}
