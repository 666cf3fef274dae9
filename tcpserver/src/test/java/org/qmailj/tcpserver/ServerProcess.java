package org.qmailj.tcpserver;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** Our tcpserver (or any server printing its port, like ucspi-tcp's with -1) as a child process. */
final class ServerProcess implements AutoCloseable {
    final Process process;
    final int port;
    final List<String> log = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

    /** Everything the server wrote to its stderr so far, byte for byte. */
    byte[] stderrBytes() {
        synchronized (stderr) {
            return stderr.toByteArray();
        }
    }

    static List<String> java(String main, Path qmailHome) {
        List<String> c = new ArrayList<>();
        c.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        c.add("--enable-native-access=ALL-UNNAMED");
        c.add("-cp");
        c.add(System.getProperty("java.class.path"));
        if (qmailHome != null) c.add("-Dqmail.home=" + qmailHome);
        c.add(main);
        return c;
    }

    ServerProcess(List<String> command, Map<String, String> env) throws IOException {
        ProcessBuilder pb = org.qmailj.testing.DefaultSignals.builder(command);
        pb.environment().putAll(env);
        process = pb.start();
        Thread.ofPlatform().daemon().start(() -> {
            // Lines end at LF only (recordio's lines hold CRs); the bytes are kept as they came.
            try (InputStream in = process.getErrorStream()) {
                ByteArrayOutputStream line = new ByteArrayOutputStream();
                int c;
                while ((c = in.read()) != -1) {
                    synchronized (stderr) {
                        stderr.write(c);
                    }
                    if (c != '\n') {
                        line.write(c);
                        continue;
                    }
                    log.add(line.toString(StandardCharsets.ISO_8859_1));
                    line.reset();
                }
            } catch (IOException e) {
                // ended
            }
        });
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.ISO_8859_1));
        String line = out.readLine();
        if (line == null) throw new IOException("server printed no port; log: " + log);
        port = Integer.parseInt(line.trim());
    }

    Socket connect() throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        s.setSoTimeout(30_000);
        return s;
    }

    /** Waits until a log line matching {@code regex} appears. */
    String awaitLog(String regex) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < end) {
            for (String l : log) if (l.matches(regex)) return l;
            Thread.sleep(20);
        }
        throw new AssertionError("no log line " + regex + " in " + log);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
