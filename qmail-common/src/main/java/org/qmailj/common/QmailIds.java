package org.qmailj.common;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The uids and gids of qmail's users and groups for one install (INSTALL.ids.md). C qmail
 * compiles them in (auto_uids.c); we record them at install time in {@code lib/ids}, one
 * {@code name:uid:gid} line per user and {@code name:gid} per group, so a sandbox install can
 * map every role to the invoking user and a root install to the real qmail users.
 */
public record QmailIds(Map<String, int[]> entries) {

    /** User names in qmail-showctl's order: alias qmaild qmaill root qmailp qmailq qmailr qmails. */
    public static final String[] USERS = {"alias", "qmaild", "qmaill", "root", "qmailp", "qmailq", "qmailr", "qmails"};
    /** Group names: nofiles, qmail. */
    public static final String[] GROUPS = {"nofiles", "qmail"};

    public static Path file(QmailHome home) {
        return home.root().resolve("lib").resolve("ids");
    }

    public static QmailIds read(QmailHome home) throws IOException {
        Path f = file(home);
        String text;
        try {
            text = Files.readString(f, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            throw new IOException(f + " is missing: run qmail-install first");
        }
        Map<String, int[]> m = new LinkedHashMap<>();
        int lineNo = 0;
        for (String line : text.split("\n")) {
            lineNo++;
            if (line.isBlank() || line.startsWith("#")) continue;
            String[] p = line.trim().split(":");
            try {
                int[] v = new int[p.length - 1];
                for (int i = 1; i < p.length; i++) v[i - 1] = Integer.parseInt(p[i]);
                if (v.length < 1 || v.length > 2) throw new NumberFormatException();
                m.put(p[0], v);
            } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
                throw new IOException(f + ": line " + lineNo + ": expected name:uid:gid or name:gid: " + line);
            }
        }
        return new QmailIds(m);
    }

    public String format() {
        StringBuilder b = new StringBuilder();
        entries.forEach((k, v) -> {
            b.append(k);
            for (int x : v) b.append(':').append(x);
            b.append('\n');
        });
        return b.toString();
    }

    public int uid(String user) throws IOException {
        int[] v = entries.get(user);
        if (v == null || v.length != 2) throw new IOException("no uid for " + user + " in lib/ids");
        return v[0];
    }

    public int userGid(String user) throws IOException {
        int[] v = entries.get(user);
        if (v == null || v.length != 2) throw new IOException("no gid for " + user + " in lib/ids");
        return v[1];
    }

    public int gid(String group) throws IOException {
        int[] v = entries.get(group);
        if (v == null || v.length != 1) throw new IOException("no gid for group " + group + " in lib/ids");
        return v[0];
    }
}
