package org.qmailj.remote;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.qmailj.common.Exit;
import org.qmailj.common.QmailHome;

/**
 * qmail-tcpto - print TCP timeout table (qmail-tcpto(8)).
 *
 * <p>Prints one line per address of queue/lock/tcpto with at least one recent timeout:
 * {@code 1.2.3.4 timed out 123 seconds ago; # recent timeouts: 2}. Like C qmail-tcpto it
 * prints its fatal errors on descriptor 1 too ({@code fatal: unable to open tcpto: ...})
 * and exits 111 then, else 0.
 */
public final class QmailTcpto {
    private QmailTcpto() {
    }

    public static void main(String[] args) {
        StringBuilder out = new StringBuilder();
        int code = run(QmailHome.current(), out);
        try {
            FileOutputStream fd1 = new FileOutputStream(FileDescriptor.out);
            fd1.write(out.toString().getBytes(StandardCharsets.ISO_8859_1));
            fd1.flush();
        } catch (IOException e) {
            code = Exit.SOFT;
        }
        Exit.now(code);
    }

    static int run(QmailHome home, StringBuilder out) {
        Path lock = home.queue().resolve("lock");
        if (!Files.isDirectory(lock)) {
            out.append("fatal: unable to chdir: ").append(Errors.text(lock)).append('\n');
            return Exit.SOFT;
        }
        byte[] buf;
        try {
            buf = Tcpto.readLocked(lock.resolve("tcpto"));
        } catch (Tcpto.StepException e) {
            String what = switch (e.step) {
                case OPEN -> "open";
                case LOCK -> "lock";
                default -> "read";
            };
            out.append("fatal: unable to ").append(what).append(" tcpto: ").append(Errors.text(e)).append('\n');
            return Exit.SOFT;
        }
        long start = Tcpto.now();
        for (int pos = 0; pos + 16 <= buf.length; pos += 16) {
            if (buf[pos + 4] >= 1) {
                String ip;
                try {
                    ip = InetAddress.getByAddress(java.util.Arrays.copyOfRange(buf, pos, pos + 4)).getHostAddress();
                } catch (java.net.UnknownHostException e) {
                    throw new AssertionError(e);
                }
                out.append(ip).append(" timed out ").append(Long.toUnsignedString(start - Tcpto.when(buf, pos)))
                        .append(" seconds ago; # recent timeouts: ").append(buf[pos + 4] & 0xff).append('\n');
            }
        }
        return Exit.OK;
    }
}
