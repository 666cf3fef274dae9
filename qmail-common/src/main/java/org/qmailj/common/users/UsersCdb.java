package org.qmailj.common.users;

import org.qmailj.common.address.Address;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import org.qmailj.common.cdb.Cdb;

/**
 * The qmail-users(5) lookup in users/cdb, as qmail-lspawn does it. Keys: {@code !local\0}
 * (lower case) for a simple assignment, {@code !loc} for a wildcard; the empty key holds the
 * "wildchars" (the last characters of all wildcard keys). The exact key is tried first, then
 * ever shorter prefixes that end in a wildchar, down to {@code !}; a wildcard's data lacks
 * its final field's NUL and gets the rest of the address (original case) appended as ext.
 */
public final class UsersCdb {
    /** The last users/cdb read, reused while its inode, size and mtime stay the same. */
    private record Cached(Path file, Object key, long size, long mtime, Cdb cdb) {
    }

    private static volatile Cached cached;

    private UsersCdb() {
    }

    /** qmail-newu replaces users/cdb by rename, so a new file has a new inode. */
    private static Cdb open(Path file) throws IOException {
        var attrs = java.nio.file.Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class);
        Cached c = cached;
        long mtime = attrs.lastModifiedTime().toMillis();
        if (c != null && c.file().equals(file) && java.util.Objects.equals(c.key(), attrs.fileKey())
                && c.size() == attrs.size() && c.mtime() == mtime) {
            return c.cdb();
        }
        Cdb cdb = Cdb.open(file);
        cached = new Cached(file, attrs.fileKey(), attrs.size(), mtime, cdb);
        return cdb;
    }

    /** Empty when users/cdb does not exist or does not list the address. */
    public static Optional<Nughde> lookup(Path usersCdb, String local) throws LookupFailure {
        Cdb cdb;
        try {
            cdb = open(usersCdb);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new LookupFailure(LookupFailure.Cause.CDB);
        }
        Optional<byte[]> wild = cdb.find(new byte[0]);
        if (wild.isEmpty()) throw new LookupFailure(LookupFailure.Cause.CDB);
        String wildchars = new String(wild.get(), StandardCharsets.ISO_8859_1);
        String lower = "!" + Address.lowerAscii(local) + "\0";
        byte[] key = lower.getBytes(StandardCharsets.ISO_8859_1);
        int i = key.length;
        boolean flagwild = false;
        do {
            if (!flagwild || i == 1 || wildchars.indexOf((char) (key[i - 1] & 0xff)) >= 0) {
                Optional<byte[]> data = cdb.find(java.util.Arrays.copyOf(key, i));
                if (data.isPresent()) {
                    String d = new String(data.get(), StandardCharsets.ISO_8859_1);
                    if (flagwild) d += local.substring(i - 1);
                    Nughde n = Nughde.decode((d + "\0").getBytes(StandardCharsets.ISO_8859_1));
                    if (n == null && !flagwild) n = Nughde.decode(data.get());
                    if (n == null) throw new LookupFailure(LookupFailure.Cause.CDB);
                    return Optional.of(n);
                }
            }
            i--;
            flagwild = true;
        } while (i > 0);
        return Optional.empty();
    }
}
