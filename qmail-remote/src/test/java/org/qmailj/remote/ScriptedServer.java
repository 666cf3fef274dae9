package org.qmailj.remote;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A scripted SMTP server on a loopback address and an ephemeral port, for qmail-remote's
 * tests. For each command line it answers what {@link #replies} says: a reply with CRLFs,
 * {@link #CLOSE} to drop the connection, or {@link #SILENT} to never answer. After a 354 it
 * reads the message up to CRLF.CRLF and answers {@link #afterData}. It records every command
 * line and the raw bytes of the message.
 *
 * <p>With {@link #tls} set it offers STARTTLS in its EHLO reply (until TLS is on), answers
 * STARTTLS with 220 and does the server side of the handshake, recording
 * {@code <tls PROTOCOL SNI>} among the commands (or {@code <tls failed ...>}). With
 * {@link #pipeliningOnly} it answers nothing from MAIL on until it has read DATA, and then
 * all the answers in one write: a client that waits for each answer before the next
 * command gets no answer (RFC 2920's client behaviour, made testable).
 */
public final class ScriptedServer implements AutoCloseable {
    public static final String CLOSE = "<close>";
    public static final String SILENT = "<silent>";

    public volatile String greeting = "220 scripted ESMTP\r\n";
    public volatile String afterData = "250 ok 1234\r\n";
    public volatile Function<String, String> replies = ScriptedServer::standard;
    /** Write every reply one byte at a time, flushing each (adversarial chunking). */
    public volatile boolean trickle;
    /** After the 354, stop reading (a server that never takes the message). */
    public volatile boolean stallInData;
    /** The server's TLS context: STARTTLS is offered and done with it; null: not offered. */
    public volatile SSLContext tls;
    /** Answer STARTTLS with 220 and then close the connection (a handshake that fails). */
    public volatile boolean tlsThenClose;
    public volatile boolean pipeliningOnly;
    public final List<String> commands = new CopyOnWriteArrayList<>();
    final ByteArrayOutputStream data = new ByteArrayOutputStream();
    private final ServerSocket server;
    private final List<Socket> open = new CopyOnWriteArrayList<>();

    public ScriptedServer(String address) throws IOException {
        this(address, 0);
    }

    public ScriptedServer(String address, int port) throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getByName(address), port), 50);
        Thread.ofPlatform().daemon().name("scripted-smtp").start(this::accept);
    }

    public int port() {
        return server.getLocalPort();
    }

    public static String standard(String line) {
        String verb = line.length() >= 4 ? line.substring(0, 4).toUpperCase() : line;
        return switch (verb) {
            case "EHLO" -> "250-scripted\r\n250-PIPELINING\r\n250 8BITMIME\r\n";
            case "HELO", "MAIL", "RCPT" -> "250 ok\r\n";
            case "DATA" -> "354 go ahead\r\n";
            case "QUIT" -> "221 bye\r\n";
            default -> "502 unimplemented\r\n";
        };
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                open.add(s);
                Thread.ofPlatform().daemon().start(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket raw) {
        Socket s = raw;
        try (raw) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            boolean secure = false;
            if (!send(out, greeting)) return;
            while (true) {
                String line = readLine(in);
                if (line == null) return;
                commands.add(line);
                String verb = line.length() >= 4 ? line.substring(0, 4).toUpperCase() : line;
                SSLContext ctx = tls;
                if (!secure && (ctx != null || tlsThenClose) && line.equalsIgnoreCase("STARTTLS")) {
                    if (!send(out, "220 ready to start TLS\r\n") || tlsThenClose) return;
                    SSLSocket ssl = (SSLSocket) ctx.getSocketFactory().createSocket(s, null, s.getPort(), true);
                    ssl.setUseClientMode(false);
                    try {
                        ssl.startHandshake();
                    } catch (IOException e) {
                        commands.add("<tls failed " + e.getMessage() + ">");
                        return;
                    }
                    String sni = ((ExtendedSSLSession) ssl.getSession()).getRequestedServerNames().stream()
                            .map(n -> n instanceof SNIHostName h ? h.getAsciiName() : "?").findFirst().orElse("-");
                    commands.add("<tls " + ssl.getSession().getProtocol() + " " + sni + ">");
                    open.add(ssl);
                    s = ssl;
                    in = ssl.getInputStream();
                    out = ssl.getOutputStream();
                    secure = true;
                    continue;
                }
                if (pipeliningOnly && verb.equals("MAIL")) {
                    List<String> batch = new ArrayList<>(List.of(line));
                    while (!line.toUpperCase().startsWith("DATA")) {
                        line = readLine(in);
                        if (line == null) return;
                        commands.add(line);
                        batch.add(line);
                    }
                    StringBuilder all = new StringBuilder();
                    for (String l : batch) all.append(replies.apply(l));
                    String reply = all.toString();
                    if (!send(out, reply)) return;
                    if (replies.apply(line).startsWith("354")) {
                        readData(in);
                        if (!send(out, afterData)) return;
                    }
                    continue;
                }
                String reply = replies.apply(line);
                if ((ctx != null || tlsThenClose) && !secure && verb.equals("EHLO") && reply.startsWith("250-")) {
                    reply = reply.replaceFirst("\r\n", "\r\n250-STARTTLS\r\n");
                }
                if (!send(out, reply)) return;
                if (reply.startsWith("354")) {
                    if (stallInData) {
                        send(out, SILENT);
                        return;
                    }
                    readData(in);
                    if (!send(out, afterData)) return;
                }
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    /** Writes a reply; false when the connection is to end here. */
    private boolean send(OutputStream out, String reply) throws IOException {
        if (reply.equals(CLOSE)) return false;
        if (reply.equals(SILENT)) {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return false;
        }
        byte[] b = reply.getBytes(StandardCharsets.ISO_8859_1);
        if (trickle) {
            for (byte x : b) {
                out.write(x);
                out.flush();
            }
        } else {
            out.write(b);
            out.flush();
        }
        return true;
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            b.write(c);
            if (c == '\n') break;
        }
        if (b.size() == 0) return null;
        String s = b.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r\n") ? s.substring(0, s.length() - 2) : s;
    }

    private void readData(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            b.write(c);
            byte[] x = b.toByteArray();
            int n = x.length;
            if (n == 3 && x[0] == '.' && x[1] == '\r' && x[2] == '\n') break;
            if (n >= 5 && x[n - 5] == '\r' && x[n - 4] == '\n' && x[n - 3] == '.' && x[n - 2] == '\r' && x[n - 1] == '\n') break;
        }
        synchronized (data) {
            data.writeBytes(b.toByteArray());
        }
    }

    /** Waits (at most 5 s) until the client has sent {@code line}: the client does not wait for QUIT's answer. */
    public List<String> awaitCommand(String line) throws InterruptedException {
        for (int i = 0; i < 500 && !commands.contains(line); i++) Thread.sleep(10);
        return commands;
    }

    public String data() {
        synchronized (data) {
            return data.toString(StandardCharsets.ISO_8859_1);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) s.close();
    }
}
