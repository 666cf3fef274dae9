package org.qmailj.tcpserver;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * recordio(1)'s lines: each packet (at most 256 bytes) becomes lines "PID < " (input) or
 * "PID > " (output) followed by the bytes up to each newline and a space, and the bytes after
 * the last newline followed by "+"; "PID < [EOF]" at the end. Returned as one buffer, which
 * the caller writes at once so a packet's lines stay together.
 */
final class Recorder {
    static final int PACKET = 256;
    static final String IN = " < ";
    static final String OUT = " > ";

    private Recorder() {
    }

    static byte[] packet(String pid, String direction, byte[] b, int off, int len) {
        byte[] prefix = (pid + direction).getBytes(StandardCharsets.ISO_8859_1);
        ByteArrayOutputStream o = new ByteArrayOutputStream(len + 3 * prefix.length + 8);
        int end = off + len;
        while (off < end) {
            o.write(prefix, 0, prefix.length);
            int nl = off;
            while (nl < end && b[nl] != '\n') nl++;
            o.write(b, off, nl - off);
            if (nl == end) {
                o.write('+');
                o.write('\n');
                break;
            }
            o.write(' ');
            o.write('\n');
            off = nl + 1;
        }
        return o.toByteArray();
    }

    static byte[] eof(String pid, String direction) {
        return (pid + direction + "[EOF]\n").getBytes(StandardCharsets.ISO_8859_1);
    }
}
