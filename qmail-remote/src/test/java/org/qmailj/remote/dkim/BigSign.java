package org.qmailj.remote.dkim;

import java.io.BufferedOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.qmailj.remote.MessageSource;

/**
 * Run in a JVM of its own with a small heap by {@link DkimKeygenAndBigMessageTest}: signs the
 * message file args[1] with the keys of directory args[0] as qmail-remote does, and writes
 * what would be sent, in wire form (CRLF), to args[2]; prints the outcome and the peak heap.
 */
public final class BigSign {
    private BigSign() {
    }

    public static void main(String[] args) throws Exception {
        SignedMessage m = new SignedMessage(MessageSource.file(Path.of(args[1])), DkimKeys.load(Path.of(args[0])),
                () -> System.currentTimeMillis() / 1000);
        try (InputStream in = m.open(); OutputStream out = new BufferedOutputStream(Files.newOutputStream(Path.of(args[2])), 65536)) {
            byte[] buf = new byte[65536];
            for (int n; (n = in.read(buf)) > 0; ) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') out.write('\r');
                    out.write(buf[i]);
                }
            }
        }
        long peak = 0;
        for (var pool : java.lang.management.ManagementFactory.getMemoryPoolMXBeans())
            if (pool.getType() == java.lang.management.MemoryType.HEAP) peak += pool.getPeakUsage().getUsed();
        System.out.println(m.result().summary());
        System.out.println("peak heap " + peak);
    }
}
