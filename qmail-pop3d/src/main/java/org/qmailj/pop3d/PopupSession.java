package org.qmailj.pop3d;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.qmailj.common.sys.Spawn;
import org.qmailj.smtpd.Wire;

/**
 * qmail-popup's conversation: the POP3 AUTHORIZATION state, up to the hand-over.
 *
 * <pre>
 * greeting:  +OK &lt;PID.TIME@HOSTNAME&gt;            (the APOP timestamp)
 * USER name  +OK                                 (-ERR syntax error without a name)
 * PASS pw    runs the subprogram                 (-ERR USER first, -ERR syntax error)
 * APOP name digest   runs the subprogram         (-ERR syntax error without a space)
 * NOOP       +OK
 * QUIT       +OK, and the session ends
 * else       -ERR authorization first
 * </pre>
 *
 * <p>The subprogram (checkpassword) gets the connection and, on descriptor 3, the name, a 0
 * byte, the password (or APOP digest), a 0 byte, the timestamp and a 0 byte. qmail-popup waits
 * for it and says only {@code -ERR aack, child crashed} if it died of a signal or
 * {@code -ERR authorization failed} if it exited nonzero; after a subprogram the session
 * is over either way (one login per connection, as qmail). The exit code is always 1, as
 * qmail-popup's: it ends through die() whatever happened.
 *
 * <p>The session reads a byte at a time, so whatever the client sends after PASS is left on
 * the connection for the subprogram. Runs on one thread; the connection is a {@link Wire}
 * (fds 0 and 1 standalone), whose reads and writes time out after 20 minutes.
 */
public final class PopupSession {
    /** qmail-popup's 20-minute idle timeout. */
    public static final int TIMEOUT_SECONDS = 1200;
    /** qmail-popup's one exit code. */
    public static final int EXIT = 1;

    /** Runs the subprogram with {@code fd3} to read on descriptor 3; how it ended. */
    public interface Subprogram {
        Spawn.WaitStatus run(byte[] fd3) throws SubprogramException;
    }

    /** The subprogram could not be started or fed: qmail-popup's die_pipe/die_fork/die_write. */
    public static final class SubprogramException extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient Reply reply;

        SubprogramException(Reply reply, Throwable cause) {
            super(reply.name(), cause);
            this.reply = reply;
        }

        Reply reply() {
            return reply;
        }
    }

    private final Wire wire;
    private final OutputStream out;
    private final String timestamp;
    private final Subprogram subprogram;
    private String username;

    private PopupSession(Wire wire, String timestamp, Subprogram subprogram) {
        this.wire = wire;
        this.out = wire.out();
        this.timestamp = timestamp;
        this.subprogram = subprogram;
    }

    /**
     * Serves one connection. {@code pid} and {@code now} (seconds) make the timestamp
     * {@code <pid.now@hostname>}, as qmail-popup's getpid() and now().
     *
     * @return the exit code qmail-popup has: always {@link #EXIT}
     */
    public static int serve(Wire wire, String hostname, long pid, long now, Subprogram subprogram) {
        return serve(wire, hostname, pid, now, subprogram, TIMEOUT_SECONDS);
    }

    /** As {@link #serve(Wire, String, long, long, Subprogram)} with another idle timeout (tests). */
    static int serve(Wire wire, String hostname, long pid, long now, Subprogram subprogram, int timeoutSeconds) {
        String timestamp = "<" + pid + "." + now + "@" + hostname + ">";
        PopupSession s = new PopupSession(wire, timestamp, subprogram);
        wire.timeout(timeoutSeconds);
        try {
            s.run();
        } catch (IOException e) {
            // A timeout, a client gone or a line too long: qmail-popup's die().
        }
        return EXIT;
    }

    /** The command table, qmail-popup's pop3commands[]; anything else is "authorization first". */
    enum Verb {
        USER, PASS, APOP, QUIT, NOOP;

        final String lower = name().toLowerCase(java.util.Locale.ROOT);

        static Verb of(Command c) {
            for (Verb v : values()) if (c.is(v.lower)) return v;
            return null;
        }
    }

    private void run() throws IOException {
        send("+OK " + timestamp + "\r\n");
        CommandReader in = new CommandReader(wire.in(), 1);
        while (true) {
            Command c;
            try {
                c = in.next();
            } catch (LineTooLongException e) {
                send(Reply.LINE_TOO_LONG);
                return;
            }
            if (c == null) return;
            Verb v = Verb.of(c);
            if (v == null) {
                send(Reply.AUTHORIZATION_FIRST);
                continue;
            }
            String arg = c.arg();
            switch (v) {
                case USER -> {
                    if (arg.isEmpty()) {
                        send(Reply.SYNTAX);
                    } else {
                        send(Reply.OK);
                        username = arg;
                    }
                }
                case PASS -> {
                    if (username == null) {
                        send(Reply.WANT_USER);
                    } else if (arg.isEmpty()) {
                        send(Reply.SYNTAX);
                    } else {
                        login(username, arg);
                        return;
                    }
                }
                case APOP -> {
                    int sp = arg.indexOf(' ');
                    if (sp < 0) {
                        send(Reply.SYNTAX);
                    } else {
                        login(arg.substring(0, sp), arg.substring(sp + 1));
                        return;
                    }
                }
                case QUIT -> {
                    send(Reply.OK);
                    return;
                }
                case NOOP -> send(Reply.OK);
            }
        }
    }

    /** qmail-popup's doanddie: the subprogram gets the connection; only its failure is ours. */
    private void login(String user, String pass) throws IOException {
        ByteArrayOutputStream fd3 = new ByteArrayOutputStream();
        for (String field : new String[] {user, pass, timestamp}) {
            fd3.writeBytes(field.getBytes(StandardCharsets.ISO_8859_1));
            fd3.write(0);
        }
        byte[] data = fd3.toByteArray();
        Spawn.WaitStatus status;
        try {
            status = subprogram.run(data);
        } catch (SubprogramException e) {
            send(e.reply());
            return;
        } finally {
            java.util.Arrays.fill(data, (byte) 0);
        }
        if (status.signaled()) send(Reply.CHILD_CRASHED);
        else if (status.exitCode() != 0) send(Reply.BAD_AUTH);
    }

    private void send(Reply r) throws IOException {
        out.write(r.line());
        out.flush();
    }

    private void send(String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }
}
