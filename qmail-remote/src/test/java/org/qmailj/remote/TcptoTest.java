package org.qmailj.remote;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.address.ConstMap;
import org.qmailj.testing.Cmd;

/**
 * The TCP timeout table: qmail's record format and rules (count, two-minute spacing, the
 * skip window, clearing on success, replacement when full), qmail-remote skipping an
 * address the table marks down, and the qmail-tcpto and qmail-tcpok programs.
 */
class TcptoTest {
    @TempDir
    Path home;
    Path file;
    Tcpto tcpto;

    @BeforeEach
    void setUp() throws IOException {
        Files.createDirectories(home.resolve("queue/lock"));
        file = home.resolve("queue/lock/tcpto");
        Files.write(file, new byte[1024]);
        tcpto = new Tcpto(file);
    }

    static InetAddress ip(String s) throws IOException {
        return InetAddress.getByName(s);
    }

    byte[] table() throws IOException {
        return Files.readAllBytes(file);
    }

    void setWhen(int slot, long when) throws IOException {
        byte[] b = table();
        int pos = slot * 16;
        for (int i = 0; i < 4; i++) b[pos + 8 + i] = (byte) (when >> (8 * i));
        Files.write(file, b);
    }

    @Test
    void firstTimeoutIsRecorded() throws IOException {
        long before = Tcpto.now();
        tcpto.record(ip("10.1.2.3"), true, tcpto.check(ip("10.1.2.3")));
        byte[] b = table();
        assertThat(b).hasSize(1024);
        assertThat(b[0]).isEqualTo((byte) 10);
        assertThat(b[1]).isEqualTo((byte) 1);
        assertThat(b[2]).isEqualTo((byte) 2);
        assertThat(b[3]).isEqualTo((byte) 3);
        assertThat(b[4]).isEqualTo((byte) 1);
        assertThat(Tcpto.when(b, 0)).isBetween(before, Tcpto.now());
        assertThat(tcpto.check(ip("10.1.2.3"))).isEqualTo(new Tcpto.Check(false, true));
    }

    @Test
    void secondTimeoutCountsOnlyAfterTwoMinutesAndThenSkips() throws IOException {
        InetAddress a = ip("10.1.2.3");
        tcpto.record(a, true, tcpto.check(a));
        tcpto.record(a, true, tcpto.check(a));
        assertThat(table()[4]).isEqualTo((byte) 1);
        setWhen(0, Tcpto.now() - 121);
        tcpto.record(a, true, tcpto.check(a));
        assertThat(table()[4]).isEqualTo((byte) 2);
        assertThat(tcpto.check(a).skip()).isTrue();
        // An hour and more later the address is tried again.
        setWhen(0, Tcpto.now() - 6000);
        assertThat(tcpto.check(a).skip()).isFalse();
        // A success clears the count.
        setWhen(0, Tcpto.now());
        Tcpto.Check c = tcpto.check(a);
        tcpto.record(a, false, c);
        assertThat(table()[4]).isZero();
        assertThat(tcpto.check(a).skip()).isFalse();
    }

    @Test
    void countStopsAtTen() throws IOException {
        InetAddress a = ip("10.9.9.9");
        for (int i = 0; i < 12; i++) {
            tcpto.record(a, true, tcpto.check(a));
            setWhen(0, Tcpto.now() - 200);
        }
        assertThat(table()[4]).isEqualTo((byte) 10);
    }

    @Test
    void fullTableReplacesTheOldest() throws IOException {
        for (int i = 0; i < 64; i++) {
            tcpto.record(ip("10.0.0." + i), true, new Tcpto.Check(false, false));
        }
        setWhen(17, 1000);
        tcpto.record(ip("10.0.1.1"), true, new Tcpto.Check(false, false));
        byte[] b = table();
        assertThat(new byte[] {b[17 * 16], b[17 * 16 + 1], b[17 * 16 + 2], b[17 * 16 + 3]})
                .isEqualTo(new byte[] {10, 0, 1, 1});
    }

    @Test
    void successWithoutAnEntryWritesNothingAndIpv6IsNotRecorded() throws IOException {
        tcpto.record(ip("10.1.1.1"), false, tcpto.check(ip("10.1.1.1")));
        tcpto.record(ip("::1"), true, tcpto.check(ip("::1")));
        assertThat(table()).containsOnly(0);
    }

    @Test
    void emptyOrMissingTableIsIgnored() throws IOException {
        Files.write(file, new byte[0]);
        tcpto.record(ip("10.1.1.1"), true, tcpto.check(ip("10.1.1.1")));
        assertThat(table()).isEmpty();
        Files.delete(file);
        tcpto.record(ip("10.1.1.1"), true, tcpto.check(ip("10.1.1.1")));
        assertThat(file).doesNotExist();
    }

    @Test
    void qmailRemoteSkipsAnAddressMarkedDown() throws IOException {
        try (ScriptedServer server = new ScriptedServer("127.0.0.1")) {
            InetAddress a = ip("127.0.0.1");
            tcpto.record(a, true, tcpto.check(a));
            setWhen(0, Tcpto.now() - 121);
            tcpto.record(a, true, tcpto.check(a));
            RemoteControl c = new RemoteControl("me", 5, 10,
                    ConstMap.ofColonLines(List.of("x.test:127.0.0.1:" + server.port())));
            Remote.Context ctx = new Remote.Context(c,
                    new DnsjavaDns(new org.xbill.DNS.SimpleResolver(new java.net.InetSocketAddress("127.0.0.1", 9))),
                    new Ipme(), tcpto, () -> 1);
            Output out = Remote.deliver(ctx, "x.test", "s@x", List.of("r@x.test"), SmtpClientTest.msg("m\n"));
            assertThat(new String(out.toByteArray(), StandardCharsets.ISO_8859_1))
                    .isEqualTo("ZSorry, I wasn't able to establish an SMTP connection. (#4.4.1)\n\0");
            assertThat(server.commands).isEmpty();
        }
    }

    static List<String> command(String main) {
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), main);
    }

    @Test
    void qmailTcptoPrintsTheTable() throws IOException {
        tcpto.record(ip("10.1.2.3"), true, tcpto.check(ip("10.1.2.3")));
        setWhen(0, Tcpto.now() - 300);
        tcpto.record(ip("10.1.2.3"), true, tcpto.check(ip("10.1.2.3")));
        tcpto.record(ip("192.0.2.7"), true, tcpto.check(ip("192.0.2.7")));
        setWhen(1, Tcpto.now() - 50);
        Cmd.Result r = Cmd.run(command("org.qmailj.remote.QmailTcpto"), Map.of("QMAIL_HOME", home.toString()), home,
                new byte[0], 60);
        assertThat(r.exit()).isZero();
        assertThat(r.out()).matches("10\\.1\\.2\\.3 timed out [0-2] seconds ago; # recent timeouts: 2\n"
                + "192\\.0\\.2\\.7 timed out 5[0-2] seconds ago; # recent timeouts: 1\n");
    }

    @Test
    void qmailTcptoFailures() throws IOException {
        Files.delete(file);
        Cmd.Result r = Cmd.run(command("org.qmailj.remote.QmailTcpto"), Map.of("QMAIL_HOME", home.toString()), home,
                new byte[0], 60);
        assertThat(r.exit()).isEqualTo(111);
        assertThat(r.out()).isEqualTo("fatal: unable to open tcpto: file does not exist\n");
    }

    @Test
    void qmailTcpokClearsTheTable() throws IOException {
        tcpto.record(ip("10.1.2.3"), true, tcpto.check(ip("10.1.2.3")));
        Files.write(file, new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
        Cmd.Result r = Cmd.run(command("org.qmailj.remote.QmailTcpok"), Map.of("QMAIL_HOME", home.toString()), home,
                new byte[0], 60);
        assertThat(r.exit()).isZero();
        assertThat(r.err()).isEmpty();
        byte[] b = table();
        assertThat(b).hasSize(1027);
        assertThat(java.util.Arrays.copyOf(b, 1024)).containsOnly(0);
        Files.delete(file);
        r = Cmd.run(command("org.qmailj.remote.QmailTcpok"), Map.of("QMAIL_HOME", home.toString()), home, new byte[0], 60);
        assertThat(r.exit()).isEqualTo(111);
        assertThat(r.err()).isEqualTo("qmail-tcpok: fatal: unable to write " + home + "/queue/lock/tcpto: file does not exist\n");
    }
}
