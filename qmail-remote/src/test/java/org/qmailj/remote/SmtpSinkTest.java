package org.qmailj.remote;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.address.ConstMap;
import org.xbill.DNS.SimpleResolver;

/** qmail-remote against a real SMTP server: Postfix's smtp-sink on loopback. */
class SmtpSinkTest {
    @TempDir
    Path tmp;

    Remote.Context ctx(int port) throws IOException {
        RemoteControl c = new RemoteControl("me.test", 5, 30,
                ConstMap.ofColonLines(List.of("sink.test:127.0.0.1:" + port)));
        return new Remote.Context(c, new DnsjavaDns(new SimpleResolver(new InetSocketAddress("127.0.0.1", 9))),
                new Ipme(), new Tcpto(tmp.resolve("tcpto")), () -> 1);
    }

    @Test
    void deliversToSmtpSink() throws Exception {
        try (SmtpSink sink = SmtpSink.start(tmp)) {
            Output out = Remote.deliver(ctx(sink.port()), "sink.test", "from@me.test",
                    List.of("one@sink.test", "two@sink.test"),
                    SmtpClientTest.msg("Subject: sink\n\n.leading dot\nbody\n"));
            String o = new String(out.toByteArray(), StandardCharsets.ISO_8859_1);
            assertThat(o).startsWith("r\0r\0K127.0.0.1 accepted message.\nRemote host said: 250 2.0.0 Ok");
            assertThat(o).endsWith("\n\0");
            String dump = awaitDump(sink.dumps(), 1);
            assertThat(dump).contains("X-Helo-Args: me.test", "X-Mail-Args: <from@me.test>", "X-Rcpt-Args: <one@sink.test>",
                    "X-Rcpt-Args: <two@sink.test>",
                    "Subject: sink", ".leading dot\n", "body");
        }
    }

    @Test
    void sinkRejectionsAreReported() throws Exception {
        // -f: hard-reject a command with -B's reply; -r: soft-reject it.
        try (SmtpSink sink = SmtpSink.start(tmp, "-f", "rcpt", "-B", "550 5.1.1 No such user")) {
            Output out = Remote.deliver(ctx(sink.port()), "sink.test", "from@me.test", List.of("x@sink.test"),
                    SmtpClientTest.msg("m\n"));
            assertThat(new String(out.toByteArray(), StandardCharsets.ISO_8859_1)).isEqualTo(
                    "h127.0.0.1 does not like recipient.\nRemote host said: 550 5.1.1 No such user\n\0"
                            + "DGiving up on 127.0.0.1.\n\0");
        }
        try (SmtpSink sink = SmtpSink.start(tmp.resolve("soft"), "-r", "rcpt")) {
            Output out = Remote.deliver(ctx(sink.port()), "sink.test", "from@me.test", List.of("x@sink.test"),
                    SmtpClientTest.msg("m\n"));
            assertThat(new String(out.toByteArray(), StandardCharsets.ISO_8859_1)).isEqualTo(
                    "s127.0.0.1 does not like recipient.\nRemote host said: 450 4.3.0 Error: command failed\n\0"
                            + "DGiving up on 127.0.0.1.\n\0");
        }
        try (SmtpSink sink = SmtpSink.start(tmp.resolve("data"), "-f", "data", "-B", "554 5.7.1 No thanks")) {
            Output out = Remote.deliver(ctx(sink.port()), "sink.test", "from@me.test", List.of("x@sink.test"),
                    SmtpClientTest.msg("m\n"));
            assertThat(new String(out.toByteArray(), StandardCharsets.ISO_8859_1)).isEqualTo(
                    "r\0D127.0.0.1 failed on DATA command.\nRemote host said: 554 5.7.1 No thanks\n\0");
        }
    }

    @Test
    void manyConcurrentSessionsOnVirtualThreads() throws Exception {
        try (SmtpSink sink = SmtpSink.start(tmp); var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Remote.Context ctx = ctx(sink.port());
            List<Future<String>> results = new java.util.ArrayList<>();
            for (int i = 0; i < 200; i++) {
                int n = i;
                results.add(pool.submit(() -> new String(Remote.deliver(ctx, "sink.test", "from@me.test",
                        List.of("r" + n + "@sink.test"), SmtpClientTest.msg("Subject: " + n + "\n\nbody\n")).toByteArray(),
                        StandardCharsets.ISO_8859_1)));
            }
            for (Future<String> f : results) assertThat(f.get()).startsWith("r\0K127.0.0.1 accepted message.");
            awaitDump(sink.dumps(), 200);
        }
    }

    static String awaitDump(Path dir, int count) throws IOException, InterruptedException {
        for (int i = 0; i < 200; i++) {
            List<Path> files;
            try (Stream<Path> s = Files.list(dir)) {
                files = s.toList();
            }
            if (files.size() >= count) {
                Thread.sleep(100);
                return Files.readString(files.getFirst(), StandardCharsets.ISO_8859_1);
            }
            Thread.sleep(25);
        }
        throw new AssertionError("smtp-sink dumped fewer than " + count + " messages");
    }
}
