package org.qmailj.splogger;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.qmailj.common.Exit;

/**
 * tai64n - puts a precise timestamp on each line (tai64n(8)): reads stdin, writes each line
 * to stdout preceded by {@code @}, 24 hex digits of TAI64N (taken when the line's first byte
 * is read) and a space. Output is flushed before each read. Exits 0 at end of input, 111
 * without a message if reading or writing fails.
 */
public final class Tai64n {
    private Tai64n() {
    }

    public static void main(String[] args) {
        InputStream in = new FileInputStream(FileDescriptor.in);
        OutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
        byte[] buf = new byte[1 << 16];
        byte[] stamp = new byte[26];
        stamp[0] = '@';
        stamp[25] = ' ';
        boolean bol = true;
        try {
            while (true) {
                out.flush();
                int n = in.read(buf);
                if (n <= 0) {
                    break;
                }
                int i = 0;
                while (i < n) {
                    if (bol) {
                        org.qmailj.common.tai.Tai64n.now().hex(stamp, 1);
                        out.write(stamp);
                        bol = false;
                    }
                    int j = i;
                    while (j < n && buf[j] != '\n') {
                        j++;
                    }
                    if (j < n) {
                        j++;
                        bol = true;
                    }
                    out.write(buf, i, j - i);
                    i = j;
                }
            }
            out.flush();
        } catch (IOException e) {
            Exit.now(Exit.SOFT);
        }
        Exit.now(Exit.OK);
    }
}
