package org.qmailj.lspawn;

import org.qmailj.common.address.Address;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.qmailj.common.Exit;
import org.qmailj.common.QmailHome;
import org.qmailj.common.cdb.CdbWriter;

/**
 * qmail-newu - prepare address assignments for qmail-lspawn (qmail-newu(8)). Reads
 * QMAIL_HOME/users/assign, writes QMAIL_HOME/users/cdb atomically (users/cdb.tmp, renamed);
 * on any problem complains on stderr, exits 111 and leaves users/cdb alone. The format is
 * the one {@link org.qmailj.common.users.UsersCdb} reads.
 */
public final class QmailNewu {
    private static final String FATAL = "qmail-newu: fatal: ";

    private QmailNewu() {
    }

    public static void main(String[] args) {
        try {
            build(QmailHome.current().users());
            Exit.now(0);
        } catch (NewuException e) {
            System.err.println(FATAL + e.getMessage());
            Exit.now(111);
        }
    }

    static final class NewuException extends Exception {
        NewuException(String m) {
            super(m, null, false, false);
        }
    }

    public static void build(Path users) throws NewuException {
        String text;
        try {
            text = Files.readString(users.resolve("assign"), StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            throw new NewuException("unable to read users/assign: file does not exist");
        } catch (IOException e) {
            throw new NewuException("unable to read users/assign: " + e.getMessage());
        }
        StringBuilder wildchars = new StringBuilder();
        Path cdb = users.resolve("cdb");
        Path tmp = users.resolve("cdb.tmp");
        try (CdbWriter w = CdbWriter.create(cdb, tmp)) {
            boolean ended = false;
            int start = 0;
            while (start < text.length()) {
                int nl = text.indexOf('\n', start);
                if (nl < 0) break; // a last line without newline is incomplete
                String line = text.substring(start, nl);
                start = nl + 1;
                if (line.equals(".")) {
                    ended = true;
                    break;
                }
                if (line.indexOf('\0') >= 0) throw new NewuException("bad format in users/assign");
                char kind = line.isEmpty() ? 0 : line.charAt(0);
                if (kind != '=' && kind != '+') throw new NewuException("bad format in users/assign");
                String[] f = line.substring(1).split(":", -1);
                if (f.length != 8 || !f[7].isEmpty()) throw new NewuException("bad format in users/assign");
                long uid;
                long gid;
                try {
                    uid = Long.parseLong(f[2]);
                    gid = Long.parseLong(f[3]);
                } catch (NumberFormatException e) {
                    throw new NewuException("bad format in users/assign");
                }
                String key = "!" + Address.lowerAscii(f[0]);
                String data = f[1] + "\0" + uid + "\0" + gid + "\0" + f[4] + "\0" + f[5] + "\0" + f[6];
                if (kind == '=') {
                    w.add((key + "\0").getBytes(StandardCharsets.ISO_8859_1), (data + "\0").getBytes(StandardCharsets.ISO_8859_1));
                } else {
                    if (!f[0].isEmpty()) {
                        char last = f[0].charAt(f[0].length() - 1);
                        if (wildchars.indexOf(String.valueOf(last)) < 0) wildchars.append(last);
                    }
                    w.add(key.getBytes(StandardCharsets.ISO_8859_1), data.getBytes(StandardCharsets.ISO_8859_1));
                }
            }
            if (!ended) throw new NewuException("bad format in users/assign: no final line with a single dot");
            w.add(new byte[0], wildchars.toString().getBytes(StandardCharsets.ISO_8859_1));
            w.finish();
        } catch (IOException e) {
            throw new NewuException("unable to write users/cdb: " + e.getMessage());
        }
    }
}
