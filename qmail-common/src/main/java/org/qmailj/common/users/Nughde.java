package org.qmailj.common.users;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The user in charge of an address, as qmail-getpw prints it and users/cdb stores it:
 * user, uid, gid, homedir, dash, ext ("nughde").
 */
public record Nughde(String user, int uid, int gid, String homedir, String dash, String ext) {

    /** user\0uid\0gid\0homedir\0dash\0ext\0 */
    public byte[] encode() {
        return (user + "\0" + Integer.toUnsignedString(uid) + "\0" + Integer.toUnsignedString(gid) + "\0"
                + homedir + "\0" + dash + "\0" + ext + "\0").getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Parses six NUL-terminated fields; null when they are not there. */
    public static Nughde decode(byte[] b) {
        List<String> f = new ArrayList<>(6);
        int start = 0;
        for (int i = 0; i < b.length && f.size() < 6; i++) {
            if (b[i] == 0) {
                f.add(new String(b, start, i - start, StandardCharsets.ISO_8859_1));
                start = i + 1;
            }
        }
        if (f.size() != 6) return null;
        try {
            return new Nughde(f.get(0), (int) Long.parseLong(f.get(1)), (int) Long.parseLong(f.get(2)),
                    f.get(3), f.get(4), f.get(5));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
