package org.qmailj.remote;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.common.address.ConstMap;
import org.qmailj.testing.Cmd;
import org.qmailj.testing.Dnsmasq;
import org.qmailj.testing.RootOnly;

/**
 * Delivery to other hosts, modelled by a network namespace joined to this one by a veth
 * pair: two IPv4 addresses and one IPv6 address that are not ours, each a "host" whose
 * Postfix smtp-sink listens on the real SMTP port 25 (free by construction in a private
 * namespace). No smtproutes: MX lookup through dnsmasq, preference order, fallback to the
 * next MX, and an MX reached over IPv6 through its AAAA record, on port 25, as in production.
 */
@RootOnly
class NetnsTest {
    @TempDir
    static Path tmp;
    static final long PID = ProcessHandle.current().pid();
    static final int NET = (int) (PID % 200) + 20;
    static final String NS = "qr" + PID;
    static final String HOST_IF = "qrh" + PID;
    static final String NS_IF = "qrn" + PID;
    static final String V4 = "10.251." + NET + ".";
    static final String V6 = "fd42:7e57:" + Integer.toHexString(NET) + "::";
    static final List<Process> sinks = new ArrayList<>();
    static Dnsmasq dnsmasq;
    static Path dumps;

    static void ip(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        Cmd.Result r = Cmd.run(cmd);
        assertThat(r.exit()).as(String.join(" ", cmd) + ": " + r.err()).isZero();
    }

    static void inNs(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("netns", "exec", NS, "ip"));
        cmd.addAll(List.of(args));
        ip(cmd.toArray(String[]::new));
    }

    @BeforeAll
    static void network() throws Exception {
        ip("netns", "add", NS);
        ip("link", "add", HOST_IF, "type", "veth", "peer", "name", NS_IF);
        ip("link", "set", NS_IF, "netns", NS);
        ip("addr", "add", V4 + "1/24", "dev", HOST_IF);
        ip("-6", "addr", "add", V6 + "1/64", "dev", HOST_IF, "nodad");
        ip("link", "set", HOST_IF, "up");
        inNs("addr", "add", V4 + "2/24", "dev", NS_IF);
        inNs("addr", "add", V4 + "3/24", "dev", NS_IF);
        inNs("-6", "addr", "add", V6 + "2/64", "dev", NS_IF, "nodad");
        inNs("link", "set", NS_IF, "up");
        inNs("link", "set", "lo", "up");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        dumps = Files.createDirectories(tmp.resolve("dumps"));
        Files.setPosixFilePermissions(dumps, PosixFilePermissions.fromString("rwxrwxrwx"));
        // Host .3 and the IPv6 host run smtp-sink on port 25; host .2 has nothing listening.
        for (String listen : List.of(V4 + "3:25", "[" + V6 + "2]:25")) {
            sinks.add(org.qmailj.testing.DefaultSignals.builder("ip", "netns", "exec", NS, SmtpSink.PROGRAM, "-u", "nobody", "-d",
                    dumps + "/%M.", listen, "10").redirectErrorStream(true)
                    .redirectOutput(tmp.resolve("sink" + sinks.size() + ".log").toFile()).start());
        }
        dnsmasq = Dnsmasq.start(tmp,
                "--mx-host=multi.test,a.multi.test,10", "--mx-host=multi.test,b.multi.test,20",
                "--host-record=a.multi.test," + V4 + "2", "--host-record=b.multi.test," + V4 + "3",
                "--mx-host=six.test,mx.six.test,10", "--host-record=mx.six.test," + V6 + "2");
        for (String addr : List.of(V4 + "3", V6 + "2")) awaitListening(addr);
    }

    static void awaitListening(String addr) throws Exception {
        for (int i = 0; i < 100; i++) {
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(new java.net.InetSocketAddress(addr, 25), 200);
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new AssertionError("smtp-sink on " + addr + " did not start");
    }

    @AfterAll
    static void teardown() throws Exception {
        if (dnsmasq != null) dnsmasq.close();
        for (Process p : sinks) p.destroy();
        for (Process p : sinks) p.waitFor();
        Cmd.run(List.of("ip", "netns", "del", NS));
        Cmd.run(List.of("ip", "link", "del", HOST_IF));
    }

    String deliver(String host, String recip) throws IOException {
        RemoteControl c = new RemoteControl("me.test", 5, 10, ConstMap.ofColonLines(List.of()));
        Remote.Context ctx = new Remote.Context(c, new DnsjavaDns(dnsmasq.resolver()), new Ipme(), new Tcpto(tmp.resolve("none")), () -> 1);
        Output out = Remote.deliver(ctx, host, "s@me.test", List.of(recip), SmtpClientTest.msg("Subject: netns\n\nm\n"));
        return new String(out.toByteArray(), StandardCharsets.ISO_8859_1);
    }

    @Test
    void fallsBackToTheNextMxOnAnotherHost() throws IOException {
        assertThat(deliver("multi.test", "r@multi.test"))
                .startsWith("r\0K" + V4 + "3 accepted message.\nRemote host said: 250 2.0.0 Ok");
    }

    @Test
    void deliversOverIpv6ToAnAaaaMx() throws Exception {
        assertThat(deliver("six.test", "r@six.test"))
                .startsWith("r\0K" + V6 + "2 accepted message.\nRemote host said: 250 2.0.0 Ok");
        assertThat(SmtpSinkTest.awaitDump(dumps, 1)).contains("Subject: netns");
    }
}
