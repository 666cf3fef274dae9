package org.qmailj.analog;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.qmailj.common.sys.Fd;

/**
 * matchup's fd 5, where the state of messages still open at the end goes. The JVM opens its
 * own files (lib/modules, the class path's jars) on the lowest free descriptors, so fd 5 is
 * taken to be the caller's only if it is not one of those: {@code matchup < log 5> pending}
 * gets the pending state, a plain {@code matchup < log} does not (qmailanalog's matchup
 * would stop with "unable to write fd 5" there).
 */
final class PendingFd {
    static final int FD = 5;

    private PendingFd() {}

    static void write(Matchup m) throws IOException {
        if (!callersFd5()) return;
        Writer w = Matchup.writer(Fd.outputStream(FD));
        try {
            m.pending(w);
        } catch (IOException e) {
            throw new IOException("unable to write fd 5: " + e.getMessage(), e);
        }
    }

    private static boolean callersFd5() {
        Path target;
        try {
            target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + FD));
        } catch (IOException | UnsupportedOperationException e) {
            return false; // not open
        }
        String t = target.toString();
        if (t.startsWith(System.getProperty("java.home"))) return false;
        for (String entry : System.getProperty("java.class.path", "").split(java.io.File.pathSeparator)) {
            if (entry.isEmpty()) continue;
            try {
                if (Path.of(entry).toRealPath().toString().equals(t)) return false;
            } catch (IOException e) {
                // an entry that does not exist cannot be open
            }
        }
        return !t.endsWith(".jar") && !t.endsWith("/lib/modules");
    }
}
