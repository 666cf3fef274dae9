package org.qmailj.packaging;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback SMTP server for a test (bound to an ephemeral port): accepts every recipient and
 * keeps each transaction as "MAIL FROM:...\nRCPT TO:...\n\n" + the data, dot-unstuffed.
 */
final class SmtpPeer implements AutoCloseable {
    final List<String> received = new CopyOnWriteArrayList<>();
    private final ServerSocket server;
    private final Thread thread;

    SmtpPeer() throws IOException {
        server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        thread = Thread.ofPlatform().daemon().name("smtp-peer").start(this::serve);
    }

    int port() { return server.getLocalPort(); }

    private void serve() {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                s.setSoTimeout(60_000);
                session(new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1)), s.getOutputStream());
            } catch (IOException e) {
                // closed, or a client that went away: wait for the next one
            }
        }
    }

    private void session(BufferedReader in, OutputStream out) throws IOException {
        reply(out, "220 peer.test ESMTP");
        StringBuilder envelope = new StringBuilder();
        for (String line; (line = in.readLine()) != null; ) {
            String verb = line.length() >= 4 ? line.substring(0, 4).toUpperCase() : line.toUpperCase();
            switch (verb) {
                case "EHLO", "HELO" -> reply(out, "250 peer.test");
                case "MAIL" -> {
                    envelope.setLength(0);
                    envelope.append(line).append('\n');
                    reply(out, "250 ok");
                }
                case "RCPT" -> {
                    envelope.append(line).append('\n');
                    reply(out, "250 ok");
                }
                case "DATA" -> {
                    reply(out, "354 go ahead");
                    StringBuilder data = new StringBuilder();
                    for (String l; (l = in.readLine()) != null && !l.equals("."); ) data.append(l.startsWith(".") ? l.substring(1) : l).append('\n');
                    received.add(envelope + "\n" + data);
                    reply(out, "250 ok accepted");
                }
                case "QUIT" -> {
                    reply(out, "221 bye");
                    return;
                }
                default -> reply(out, "250 ok");
            }
        }
    }

    private static void reply(OutputStream out, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
