package org.qmailj.smtpd;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A raw-socket SMTP client for transcripts: send bytes, read one whole (multi-line) reply. */
public final class SmtpClient implements AutoCloseable {
    public final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public SmtpClient(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout(30_000);
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    public SmtpClient send(String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return this;
    }

    public OutputStream out() { return out; }

    /** One reply, all its lines with CR LF, or "" at end of stream. */
    public String reply() throws IOException {
        StringBuilder s = new StringBuilder();
        while (true) {
            String line = line();
            if (line == null) return s.toString();
            s.append(line);
            if (line.length() < 4 || line.charAt(3) != '-') return s.toString();
        }
    }

    /** One line with its CR LF, or null at end of stream. */
    public String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            b.write(c);
            if (c == '\n') break;
        }
        if (b.size() == 0) return null;
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    /** Everything until the server closes. */
    public String rest() throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
