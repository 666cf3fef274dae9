package org.qmailj.remote;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * Postfix's smtp-sink (Debian package postfix) on 127.0.0.1 and a free port, dumping each
 * message into a directory. smtp-sink binds the port itself, so the port is found by binding
 * port 0 first; a lost race is retried with another port.
 */
public final class SmtpSink implements AutoCloseable {
    public static final String PROGRAM = "/usr/sbin/smtp-sink";

    private final Process process;
    private final int port;
    private final Path dumps;

    private SmtpSink(Process process, int port, Path dumps) {
        this.process = process;
        this.port = port;
        this.dumps = dumps;
    }

    public static SmtpSink start(Path dir, String... options) throws IOException, InterruptedException {
        // smtp-sink writes its dumps as nobody: the path must be open to it.
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path dumps = Files.createDirectories(dir.resolve("sink"));
        Files.setPosixFilePermissions(dumps, PosixFilePermissions.fromString("rwxrwxrwx"));
        for (int attempt = 0; attempt < 5; attempt++) {
            int port;
            try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
                port = probe.getLocalPort();
            }
            List<String> cmd = new java.util.ArrayList<>(List.of(PROGRAM));
            // -u: smtp-sink refuses to run as root, but a non-root user cannot switch to nobody
            // (it then dies after listen, and the test sees a connection that dies).
            if (org.qmailj.common.sys.Proc.geteuid() == 0) cmd.addAll(List.of("-u", "nobody"));
            cmd.addAll(List.of("-d", dumps + "/%M."));
            cmd.addAll(List.of(options));
            cmd.addAll(List.of("127.0.0.1:" + port, "4096"));
            Process p = org.qmailj.testing.DefaultSignals.builder(cmd).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("sink.log").toFile()).start();
            for (int i = 0; i < 100; i++) {
                if (!p.isAlive()) break;
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                    return new SmtpSink(p, port, dumps);
                } catch (IOException e) {
                    Thread.sleep(50);
                }
            }
            p.destroyForcibly().waitFor();
        }
        throw new IOException("smtp-sink did not start; see " + dir.resolve("sink.log"));
    }

    public int port() {
        return port;
    }

    public Path dumps() {
        return dumps;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor();
    }
}
