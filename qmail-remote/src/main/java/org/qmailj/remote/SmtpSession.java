package org.qmailj.remote;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One SMTP conversation of qmail-remote with a connected server (qmail-remote.c's smtp()),
 * writing recipient and message reports to an {@link Output}. It always ends with the
 * message report ({@link Output.Finished}).
 *
 * <p>Steps: read the greeting (220); EHLO, and HELO if EHLO is refused; STARTTLS and EHLO
 * again when offered, as the {@link TlsPolicy} says; MAIL FROM (with {@code BODY=8BITMIME}
 * when offered and the message has 8-bit bytes, {@code SIZE=n} when SIZE is offered, and a
 * permanent failure at once when the message is over the server's limit); one RCPT TO per
 * recipient, each answered by an {@code r}, {@code h} or {@code s} report; DATA (MAIL, the
 * RCPTs and DATA in one write when PIPELINING is offered, answers read in order); the message
 * with a CR before every LF and a dot doubled at the start of a line; the final dot; QUIT,
 * without waiting for its answer. Reply texts ({@code Remote host said: ...}) keep the
 * server's lines without CR, at most 5000 bytes, NULs shown as {@code ?}.
 *
 * <p>Every read and every write waits at most timeoutremote seconds; then, as on EOF or a
 * reset, the delivery ends with "Connected to X but connection died." (and "Possible
 * duplicate!" once the final dot has been sent). Runs on the delivery's thread, normally a
 * virtual thread; the write timeout is enforced by one shared daemon thread that closes
 * the socket.
 */
final class SmtpSession {
    private static final int HUGESMTPTEXT = 5000;
    private static final ScheduledThreadPoolExecutor WATCHDOG = watchdog();

    private final Socket socket;
    private final String partner;
    private final long timeoutMillis;
    private final Output out;
    private final Tls tls;
    private InputStream from;
    private OutputStream to;
    private final StringBuilder smtptext = new StringBuilder();
    private boolean critical;
    private TlsClient.Session session;

    /**
     * The TLS side of a session.
     *
     * @param serverName the name the server's certificate must carry (the MX host, the relay,
     *     or the address for a literal)
     */
    record Tls(TlsClient client, TlsPolicy policy, String serverName) {
    }

    SmtpSession(Socket socket, String partner, int timeoutRemote, Output out, Tls tls) throws IOException {
        this.socket = socket;
        this.tls = tls;
        this.partner = partner;
        this.timeoutMillis = Math.max(1L, timeoutRemote * 1000L);
        this.out = out;
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMillis));
        this.from = new BufferedInputStream(socket.getInputStream(), 1024);
        this.to = new BufferedOutputStream(new TimedOutput(socket.getOutputStream()), 4096);
    }

    private static ScheduledThreadPoolExecutor watchdog() {
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("qmail-remote-write-timeout").factory());
        e.setRemoveOnCancelPolicy(true);
        return e;
    }

    /** Runs the conversation; returns only by throwing {@link Output.Finished}. */
    Output.Finished run(String helohost, String sender, List<String> recips, MessageSource message) {
        // Read the greeting.
        if (smtpcode() != 220) throw quit("ZConnected to ", " but greeting failed");

        // Say hello: EHLO, falling back to HELO; then STARTTLS and EHLO again.
        Map<String, String> keywords = hello(helohost);
        keywords = starttls(keywords, helohost);

        // The envelope: pipelined (MAIL, every RCPT, DATA in one write) when offered.
        String params = mailParameters(keywords, message);
        boolean pipelining = keywords.containsKey("PIPELINING");
        put("MAIL FROM:<" + sender + ">" + params + "\r\n");
        if (pipelining) {
            for (String recip : recips) put("RCPT TO:<" + recip + ">\r\n");
            put("DATA\r\n");
        }
        flush();
        long code = smtpcode();
        if (atLeast(code, 500)) throw quit("DConnected to ", " but sender was rejected");
        if (atLeast(code, 400)) throw quit("ZConnected to ", " but sender was rejected");

        boolean bother = false;
        for (String recip : recips) {
            if (!pipelining) {
                put("RCPT TO:<" + recip + ">\r\n");
                flush();
            }
            code = smtpcode();
            if (atLeast(code, 500)) {
                out.text("h" + partner + " does not like recipient.\n");
                outsmtptext();
                out.zero();
            } else if (atLeast(code, 400)) {
                out.text("s" + partner + " does not like recipient.\n");
                outsmtptext();
                out.zero();
            } else {
                out.text("r");
                out.zero();
                bother = true;
            }
        }
        // Pipelined, DATA's answer is still unread: QUIT without reading it, as for the others.
        if (!bother) throw quit("DGiving up on ", "");

        if (!pipelining) {
            put("DATA\r\n");
            flush();
        }
        code = smtpcode();
        if (atLeast(code, 500)) throw quit("D", " failed on DATA command");
        if (atLeast(code, 400)) throw quit("Z", " failed on DATA command");

        blast(message);
        code = smtpcode();
        critical = false;
        if (atLeast(code, 500)) throw quit("D", " failed after I sent the message");
        if (atLeast(code, 400)) throw quit("Z", " failed after I sent the message");
        throw quit("K", " accepted message");
    }

    /** EHLO, else HELO: the EHLO keywords (none after HELO). */
    private Map<String, String> hello(String helohost) {
        Map<String, String> keywords = ehlo(helohost);
        if (keywords == null) {
            put("HELO " + helohost + "\r\n");
            flush();
            if (smtpcode() != 250) throw quit("ZConnected to ", " but my name was rejected");
            keywords = Map.of();
        }
        return keywords;
    }

    /**
     * STARTTLS as the policy says (RFC 3207); the keywords of the EHLO after it, or the
     * given ones when the session stays in plain text. Plain text bytes the server sent after
     * its 220 are dropped unread. A failed handshake ends the delivery with a temporary
     * failure (the TLS patch's "TLS connect failed"): the connection is then unusable.
     */
    private Map<String, String> starttls(Map<String, String> keywords, String helohost) {
        if (tls.policy().mode() == TlsPolicy.Mode.SKIP) return keywords;
        boolean required = tls.policy().required();
        if (!keywords.containsKey("STARTTLS")) {
            if (!required) return keywords;
            smtptext.setLength(0);
            throw quit("ZConnected to ", " but it does not offer STARTTLS, which " + tls.policy().source()
                    + " requires. (#4.7.0)\n", false);
        }
        put("STARTTLS\r\n");
        flush();
        if (smtpcode() != 220) {
            if (!required) return keywords;
            throw quit("ZConnected to ", " but STARTTLS was rejected, and " + tls.policy().source()
                    + " requires TLS. (#4.7.0)\n", false);
        }
        try {
            session = tls.client().handshake(socket, tls.serverName(), tls.policy(), (int) Math.min(Integer.MAX_VALUE, timeoutMillis));
            this.from = new BufferedInputStream(session.socket().getInputStream(), 1024);
            this.to = new BufferedOutputStream(new TimedOutput(session.socket().getOutputStream()), 4096);
        } catch (TlsClient.Failed e) {
            out.text("Z" + e.what + " at " + partner + ": " + e.reason + ". (#" + (e.unverified ? "4.7.5" : "4.7.0") + ")\n");
            throw out.finish();
        } catch (IOException e) {
            throw dropped();
        }
        Map<String, String> again = ehlo(helohost);
        if (again == null) throw quit("ZConnected to ", " but my name was rejected");
        return again;
    }

    /** BODY=8BITMIME when offered and needed; SIZE=n when offered, refusing a message over the limit. */
    private String mailParameters(Map<String, String> keywords, MessageSource message) {
        StringBuilder params = new StringBuilder();
        if (keywords.containsKey("8BITMIME")) {
            try {
                if (message.has8bit()) params.append(" BODY=8BITMIME");
            } catch (IOException e) {
                throw Failure.READ.report(out);
            }
        }
        String limit = keywords.get("SIZE");
        if (limit != null) {
            long size;
            try {
                size = message.size();
            } catch (IOException e) {
                throw Failure.READ.report(out);
            }
            if (size >= 0) {
                long max = limit.matches("[0-9]{1,18}") ? Long.parseLong(limit) : 0;
                if (max > 0 && size > max) {
                    smtptext.setLength(0);
                    throw quit("DConnected to ", " but the message (" + size + " bytes) exceeds its SIZE limit of "
                            + max + " bytes. (#5.3.4)\n", false);
                }
                params.append(" SIZE=").append(size);
            }
        }
        return params.toString();
    }

    /** EHLO; the keywords of a 250 reply (upper case) with their parameters, or null when refused. */
    private Map<String, String> ehlo(String helohost) {
        put("EHLO " + helohost + "\r\n");
        flush();
        if (smtpcode() != 250) return null;
        Map<String, String> kw = new HashMap<>();
        String[] lines = smtptext.toString().split("\n");
        for (int i = 1; i < lines.length; i++) {
            String l = lines[i];
            if (l.length() <= 4) continue;
            String rest = l.substring(4).trim();
            int sp = 0;
            while (sp < rest.length() && rest.charAt(sp) != ' ' && rest.charAt(sp) != '\t' && rest.charAt(sp) != '=') sp++;
            kw.putIfAbsent(rest.substring(0, sp).toUpperCase(Locale.ROOT), rest.substring(Math.min(rest.length(), sp + 1)).trim());
        }
        return kw;
    }

    /** Sends the message: CR before every LF, leading dots doubled, then the final dot. */
    private void blast(MessageSource message) {
        try (InputStream in = new BufferedInputStream(message.open(), 8192)) {
            byte[] line = new byte[8192];
            boolean bol = true;
            int n = 0;
            while (true) {
                int c;
                try {
                    c = in.read();
                } catch (IOException e) {
                    throw Failure.READ.report(out);
                }
                if (c < 0) {
                    if (!bol) throw Failure.PARTIALLINE.report(out);
                    break;
                }
                if (bol && c == '.') line[n++] = '.';
                if (c == '\n') {
                    line[n++] = '\r';
                    line[n++] = '\n';
                    bol = true;
                } else {
                    line[n++] = (byte) c;
                    bol = false;
                }
                if (n >= line.length - 4) {
                    write(line, n);
                    n = 0;
                }
            }
            write(line, n);
        } catch (IOException e) {
            throw Failure.READ.report(out);
        }
        critical = true;
        put(".\r\n");
        flush();
    }

    /** qmail's quit(): QUIT without waiting for the answer, then the message report. */
    private Output.Finished quit(String prepend, String append) {
        return quit(prepend, append + ".\n", true);
    }

    /** quit() with the whole text after the partner given; a TLS session is named after its first line. */
    private Output.Finished quit(String prepend, String line, boolean withTls) {
        put("QUIT\r\n");
        flush();
        out.text(prepend + partner + line);
        if (withTls && session != null) out.text("TLS: " + session.describe() + ".\n");
        outsmtptext();
        return out.finish();
    }

    private void outsmtptext() {
        if (smtptext.isEmpty()) return;
        out.text("Remote host said: " + smtptext.toString().replace('\0', '?'));
        smtptext.setLength(0);
    }

    private Output.Finished dropped() {
        out.text("ZConnected to " + partner + " but connection died. "
                + (critical ? "Possible duplicate! " : "") + "(#4.4.2)\n");
        return out.finish();
    }

    /** Reads one reply, possibly multi-line, into smtptext; returns qmail's code arithmetic. */
    private long smtpcode() {
        smtptext.setLength(0);
        int ch = get();
        long code = ch - '0';
        ch = get();
        code = code * 10 + (ch - '0');
        ch = get();
        code = code * 10 + (ch - '0');
        while (true) {
            ch = get();
            if (ch != '-') break;
            while (ch != '\n') ch = get();
            get();
            get();
            get();
        }
        while (ch != '\n') ch = get();
        return code;
    }

    private int get() {
        int c;
        try {
            c = from.read();
        } catch (IOException e) {
            throw dropped();
        }
        if (c < 0) throw dropped();
        if (c != '\r' && smtptext.length() < HUGESMTPTEXT) smtptext.append((char) c);
        return c;
    }

    private static boolean atLeast(long code, long min) {
        return Long.compareUnsigned(code, min) >= 0;
    }

    private void put(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        write(b, b.length);
    }

    private void write(byte[] b, int n) {
        try {
            to.write(b, 0, n);
        } catch (IOException e) {
            throw dropped();
        }
    }

    private void flush() {
        try {
            to.flush();
        } catch (IOException e) {
            throw dropped();
        }
    }

    /** Writes that close the socket when one takes longer than timeoutremote (timeoutwrite). */
    private final class TimedOutput extends OutputStream {
        private final OutputStream raw;

        TimedOutput(OutputStream raw) {
            this.raw = raw;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            ScheduledFuture<?> alarm = WATCHDOG.schedule(this::expire, timeoutMillis, TimeUnit.MILLISECONDS);
            try {
                raw.write(b, off, len);
            } finally {
                alarm.cancel(false);
            }
        }

        private void expire() {
            try {
                socket.close();
            } catch (IOException e) {
                // closing is all we wanted
            }
        }
    }

}
