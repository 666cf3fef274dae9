package org.qmailj.tcpserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The in-process qmail-smtpd keeps its control files between connections, and still every
 * change counts from the next connection, as with qmail's qmail-smtpd exec'ed per connection:
 * a file edited in place (same size, modification time put back), replaced by rename,
 * removed, created.
 */
class ControlChangeTest {
    @TempDir
    Path dir;

    /** The greeting, then the replies to {@code commands} (each answered before the next is sent). */
    private static List<String> session(ServerProcess srv, String... commands) throws Exception {
        try (Socket s = srv.connect()) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
            List<String> replies = new java.util.ArrayList<>();
            replies.add(reply(in));
            for (String c : commands) {
                s.getOutputStream().write((c + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                replies.add(reply(in));
            }
            s.getOutputStream().write("QUIT\r\n".getBytes(StandardCharsets.ISO_8859_1));
            reply(in);
            return replies;
        }
    }

    /** One reply, its lines joined by "|". */
    private static String reply(BufferedReader in) throws Exception {
        StringBuilder b = new StringBuilder();
        while (true) {
            String l = in.readLine();
            if (l == null) throw new java.io.EOFException("connection closed after " + b);
            b.append(b.isEmpty() ? "" : "|").append(l);
            if (l.length() < 4 || l.charAt(3) != '-') return b.toString();
        }
    }

    /** Waits until {@code f}'s status-change time is 3 s old: from then on the server keeps it in memory. */
    private static void awaitOld(Path... files) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (Path f : files) {
            while (System.currentTimeMillis() * 1_000_000L
                    - ((FileTime) Files.getAttribute(f, "unix:ctime")).to(TimeUnit.NANOSECONDS) < 3_000_000_000L) {
                assertThat(System.nanoTime()).isLessThan(deadline);
                Thread.sleep(50);
            }
        }
    }

    private static void editInPlace(Path file, String content) throws Exception {
        FileTime mtime = Files.getLastModifiedTime(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(content.getBytes(StandardCharsets.ISO_8859_1)), 0);
        }
        Files.setLastModifiedTime(file, mtime);
    }

    @Test
    void everyChangeCountsFromTheNextConnection() throws Exception {
        QueueStub q = new QueueStub(dir);
        Path control = q.home.resolve("control");
        Path greeting = control.resolve("smtpgreeting");
        Path rcpthosts = control.resolve("rcpthosts");
        Files.writeString(greeting, "one.example\n");
        Files.writeString(rcpthosts, "aaa.example\n");
        List<String> c = ServerProcess.java("org.qmailj.tcpserver.Tcpserver", q.home);
        c.addAll(List.of("-1", "-RH", "-l0", "127.0.0.1", "0", "qmail-smtpd"));
        try (ServerProcess srv = new ServerProcess(c, Map.of("QMAILQUEUE", q.stub.toString()))) {
            awaitOld(greeting, rcpthosts, control.resolve("me"));
            String[] txn = {"MAIL FROM:<a@b>", "RCPT TO:<x@aaa.example>", "RCPT TO:<x@bbb.example>"};
            // Twice unchanged: the second connection is answered from what the first read.
            for (int i = 0; i < 2; i++) {
                assertThat(session(srv, txn)).containsExactly("220 one.example ESMTP", "250 ok", "250 ok",
                        "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)");
            }

            // Edited in place, same size, modification time as before; then again at once.
            editInPlace(greeting, "two.example\n");
            editInPlace(rcpthosts, "bbb.example\n");
            assertThat(session(srv, txn)).containsExactly("220 two.example ESMTP", "250 ok",
                    "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)", "250 ok");
            editInPlace(greeting, "six.example\n");
            assertThat(session(srv).getFirst()).isEqualTo("220 six.example ESMTP");

            // Replaced by rename with a file of the same size and modification time.
            awaitOld(greeting);
            assertThat(session(srv).getFirst()).isEqualTo("220 six.example ESMTP");
            Path tmp = control.resolve("smtpgreeting.tmp");
            Files.writeString(tmp, "ten.example\n");
            Files.setLastModifiedTime(tmp, Files.getLastModifiedTime(greeting));
            Files.move(tmp, greeting, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            assertThat(session(srv).getFirst()).isEqualTo("220 ten.example ESMTP");

            // Removed: the greeting is control/me again; created: it counts at once.
            Files.delete(greeting);
            assertThat(session(srv).getFirst()).isEqualTo("220 test.example ESMTP");
            assertThat(session(srv, "EHLO c").get(1)).contains("250-SIZE|");
            Files.writeString(greeting, "new.example\n");
            Files.writeString(control.resolve("databytes"), "5000\n");
            List<String> r = session(srv, "EHLO c");
            assertThat(r.getFirst()).isEqualTo("220 new.example ESMTP");
            assertThat(r.get(1)).contains("250-SIZE 5000|");
        }
    }

    /** A rules cdb made by Debian's tcprules, written to {@code name} in the test's directory. */
    private Path rules(String name, String text) throws Exception {
        Path cdb = dir.resolve(name);
        org.qmailj.testing.Cmd.Result r = org.qmailj.testing.Cmd.run(List.of("/usr/bin/tcprules", cdb.toString(),
                dir.resolve(name + ".tmp").toString()), Map.of(), null, text.getBytes(StandardCharsets.ISO_8859_1), 30);
        assertThat(r.exit()).as(r.toString()).isZero();
        return cdb;
    }

    private static String sizeOffered(ServerProcess srv) throws Exception {
        String ehlo = session(srv, "EHLO c").get(1);
        return ehlo.replaceAll(".*250-(SIZE[^|]*)\\|.*", "$1");
    }

    private static boolean closedWithoutGreeting(ServerProcess srv) throws Exception {
        try (Socket s = srv.connect()) {
            return s.getInputStream().read() == -1;
        }
    }

    @Test
    void aNewRulesCdbCountsFromTheNextConnection() throws Exception {
        QueueStub q = new QueueStub(dir);
        Path cdb = rules("rules.cdb", "127.0.0.1:allow,DATABYTES=\"1000\"\n");
        List<String> c = ServerProcess.java("org.qmailj.tcpserver.Tcpserver", q.home);
        c.addAll(List.of("-1", "-RH", "-l0", "-x", cdb.toString(), "127.0.0.1", "0", "qmail-smtpd"));
        try (ServerProcess srv = new ServerProcess(c, Map.of("QMAILQUEUE", q.stub.toString()))) {
            awaitOld(cdb);
            assertThat(sizeOffered(srv)).isEqualTo("SIZE 1000");
            assertThat(sizeOffered(srv)).isEqualTo("SIZE 1000");

            // Rewritten in place with a cdb of the same size, modification time put back.
            byte[] same = Files.readAllBytes(rules("other.cdb", "127.0.0.1:allow,DATABYTES=\"2000\"\n"));
            assertThat(same).hasSize((int) Files.size(cdb));
            FileTime mtime = Files.getLastModifiedTime(cdb);
            try (FileChannel ch = FileChannel.open(cdb, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(same), 0);
            }
            Files.setLastModifiedTime(cdb, mtime);
            assertThat(sizeOffered(srv)).isEqualTo("SIZE 2000");

            // tcprules' way: a new file renamed into place.
            awaitOld(cdb);
            assertThat(sizeOffered(srv)).isEqualTo("SIZE 2000");
            rules("rules.cdb", "127.0.0.1:deny\n");
            assertThat(closedWithoutGreeting(srv)).isTrue();

            // Removed: connections are dropped; made again: they count at once.
            Files.delete(cdb);
            assertThat(closedWithoutGreeting(srv)).isTrue();
            srv.awaitLog("tcpserver: warning: dropping connection, unable to read .*rules.cdb: file does not exist");
            rules("rules.cdb", "127.0.0.1:allow,DATABYTES=\"3000\"\n");
            assertThat(sizeOffered(srv)).isEqualTo("SIZE 3000");
        }
    }
}
