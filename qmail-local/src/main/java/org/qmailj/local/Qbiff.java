package org.qmailj.local;

import java.io.BufferedInputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.qmailj.common.Exit;
import org.qmailj.common.sys.Fd;
import org.qmailj.common.sys.Proc;
import org.qmailj.common.sys.SysException;

/**
 * qbiff - announce new mail the moment it arrives (qbiff(1)). In .qmail: {@code |qbiff}.
 * Writes "*** TO &lt;$LOCAL&gt; FROM &lt;$SENDER&gt;" and a line of the Subject and body (78
 * characters at most, unprintables as '/') to every terminal where $USER is logged in (utmp
 * USER_PROCESS entries) that is owned by this uid and has its owner-execute bit on, which is
 * what {@code biff y} sets. Always exits 0, as qmail's does: a notice never fails a delivery.
 *
 * <p>Where it looks can be changed for tests: {@code -Dqmail.qbiff.utmp} (default
 * /var/run/utmp, glibc's x86_64 struct utmp of 384 bytes) and {@code -Dqmail.qbiff.dev}
 * (default /dev, where utmp's ut_line names are).
 */
public final class Qbiff {
    static final int UTMP_SIZE = 384;
    static final int USER_PROCESS = 7;
    private static final int LINE_OFF = 8;
    private static final int NAME_LEN = 32;
    private static final int USER_OFF = 44;
    private static final int TEXT_MAX = 78;

    private Qbiff() {
    }

    public static void main(String[] args) {
        try {
            run(System.getenv(), new FileInputStream(FileDescriptor.in),
                    Path.of(System.getProperty("qmail.qbiff.utmp", "/var/run/utmp")),
                    Path.of(System.getProperty("qmail.qbiff.dev", "/dev")));
        } catch (IOException | RuntimeException e) {
            // qmail's qbiff exits 0 on every trouble.
        }
        Exit.now(0);
    }

    static void run(Map<String, String> env, InputStream stdin, Path utmp, Path dev) throws IOException {
        String user = env.get("USER");
        String sender = env.get("SENDER");
        String local = env.get("LOCAL");
        if (user == null || sender == null || local == null) return;
        if (user.getBytes(StandardCharsets.ISO_8859_1).length > NAME_LEN) return;
        byte[] notice = notice(local, sender, stdin);
        int uid = Proc.getuid();
        for (String line : lines(Files.readAllBytes(utmp), user)) {
            if (line.startsWith("/") || line.isEmpty() || line.contains(".")) continue;
            write(dev.resolve(line), uid, notice);
        }
    }

    /** "\r\n\a*** TO <local> FROM <sender>\r\n    subject/body...\r\n", as qmail's woof. */
    static byte[] notice(String local, String sender, InputStream stdin) throws IOException {
        String toFrom = printable("*** TO <" + local + "> FROM <" + sender + ">", '_');
        StringBuilder text = new StringBuilder("    ");
        BufferedInputStream in = new BufferedInputStream(stdin, 8192);
        HeaderFields h = HeaderFields.read(in);
        for (String f : h.fields()) {
            if (HeaderFields.name(f).equals("subject")) append(text, HeaderFields.value(f));
        }
        if (h.firstBodyLine() != null) append(text, h.firstBodyLine());
        String line;
        while (text.length() < TEXT_MAX && (line = HeaderFields.line(in)) != null) append(text, line);
        in.transferTo(java.io.OutputStream.nullOutputStream());
        String woof = "\r\n\007" + toFrom + "\r\n" + printable(text.toString(), '/') + "\r\n";
        return woof.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static void append(StringBuilder text, String s) {
        text.append(s);
        if (text.length() > TEXT_MAX) text.setLength(TEXT_MAX);
    }

    private static String printable(String s, char replacement) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(c < 32 || c > 126 ? replacement : c);
        }
        return b.toString();
    }

    /** The ut_line of every USER_PROCESS entry whose ut_user is user. */
    static List<String> lines(byte[] utmp, String user) {
        List<String> out = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(utmp).order(ByteOrder.LITTLE_ENDIAN);
        for (int off = 0; off + UTMP_SIZE <= utmp.length; off += UTMP_SIZE) {
            if (b.getShort(off) != USER_PROCESS) continue;
            if (!field(utmp, off + USER_OFF).equals(user)) continue;
            out.add(field(utmp, off + LINE_OFF));
        }
        return out;
    }

    private static String field(byte[] utmp, int off) {
        int n = 0;
        while (n < NAME_LEN && utmp[off + n] != 0) n++;
        return new String(utmp, off, n, StandardCharsets.ISO_8859_1);
    }

    /** Writes to the terminal if it is ours and biff is on (owner execute bit). */
    private static void write(Path tty, int uid, byte[] notice) {
        int fd;
        try {
            fd = Fd.open(tty, Fd.O_WRONLY | Fd.O_NONBLOCK | Fd.O_APPEND | Fd.O_NOCTTY, 0);
        } catch (SysException e) {
            return;
        }
        try {
            Fd.Stat st = Fd.stat(fd);
            if ((st.mode() & 0100) == 0 || st.uid() != uid) return;
            int done = 0;
            while (done < notice.length) {
                int n = Fd.write(fd, notice, done, notice.length - done);
                if (n <= 0) break;
                done += n;
            }
        } catch (SysException e) {
            // a terminal that went away: the next one
        } finally {
            Fd.closeQuietly(fd);
        }
    }
}
