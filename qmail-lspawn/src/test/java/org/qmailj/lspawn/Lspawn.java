package org.qmailj.lspawn;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.qmailj.common.spawn.SpawnProtocol;

/** A qmail-lspawn child JVM driven over its fds 0 and 1 as qmail-send drives it. */
final class Lspawn implements AutoCloseable {
    final Process p;
    final OutputStream in;
    final InputStream out;
    final SpawnProtocol protocol;
    final int concurrency;

    Lspawn(Path qmailHome, Map<String, String> env, String defaultDelivery) throws IOException {
        this(qmailHome, env, defaultDelivery, List.of(), null, List.of());
    }

    /**
     * With more JVM options for qmail-lspawn, its stderr to {@code stderr} (null: inherited),
     * and {@code prefix} (e.g. strace) in front of the java command.
     */
    Lspawn(Path qmailHome, Map<String, String> env, String defaultDelivery, List<String> jvm, Path stderr,
            List<String> prefix) throws IOException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(System.getProperty("java.home") + "/bin/java",
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC"));
        cmd.addAll(jvm);
        cmd.addAll(List.of("-Dqmail.home=" + qmailHome, "-cp", System.getProperty("java.class.path"),
                "org.qmailj.lspawn.QmailLspawn", defaultDelivery));
        ProcessBuilder pb = org.qmailj.testing.DefaultSignals.builder(cmd).redirectError(stderr == null
                ? ProcessBuilder.Redirect.INHERIT : ProcessBuilder.Redirect.to(stderr.toFile()));
        pb.environment().putAll(env);
        p = pb.start();
        in = p.getOutputStream();
        out = p.getInputStream();
        protocol = SpawnProtocol.hello(out);
        concurrency = protocol.max();
    }

    void send(int delnum, String mess, String sender, String rcpt) throws IOException {
        in.write(protocol.command(delnum, mess, sender, rcpt));
        in.flush();
    }

    /** Reads one result: delnum and report. */
    Map.Entry<Integer, String> read() throws IOException {
        SpawnProtocol.Report r = protocol.readReport(out);
        assertThat(r).as("a report before end of output").isNotNull();
        return Map.entry(r.delnum(), r.text());
    }

    /** One delivery, waiting for its result. */
    String deliver(String mess, String sender, String rcpt) throws IOException {
        send(1, mess, sender, rcpt);
        Map.Entry<Integer, String> r = read();
        assertThat(r.getKey()).isEqualTo(1);
        return r.getValue();
    }

    Map<Integer, String> readAll(int n) throws IOException {
        Map<Integer, String> m = new HashMap<>();
        for (int i = 0; i < n; i++) {
            Map.Entry<Integer, String> e = read();
            m.put(e.getKey(), e.getValue());
        }
        return m;
    }

    @Override
    public void close() throws IOException {
        in.close();
        try {
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("lspawn exits at end of input").isTrue();
        } catch (InterruptedException e) {
            p.destroyForcibly();
        }
        assertThat(p.exitValue()).isZero();
    }

    /** Writes queue/mess/S/N by hand (split 23), returning "S/N". */
    static String message(Path qmailHome, long n, String text) throws IOException {
        Path f = qmailHome.resolve("queue/mess/" + (n % 23) + "/" + n);
        Files.createDirectories(f.getParent());
        Files.writeString(f, text, StandardCharsets.ISO_8859_1);
        return (n % 23) + "/" + n;
    }
}
