package org.qmailj.pop3d;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What qmail-pop3d sees of a maildir at the start of a session (qmail's maildir_clean and
 * maildir_scan with new/ and cur/):
 * <ul>
 * <li>tmp/ is cleaned first: a file there last accessed more than 36 hours ago is deleted
 *     (maildir(5)); errors are ignored.</li>
 * <li>Every entry of new/ and then cur/ whose name does not start with a dot and whose
 *     modification time is before the current second is a message ("don't want to mix up the
 *     order": a file of this very second could be followed by an older-looking one), its size
 *     the file's size. Messages are numbered oldest first (ties by name here; qmail's heap
 *     leaves them unordered).</li>
 * </ul>
 * A directory that cannot be read is an IOException (qmail's "unable to scan").
 */
final class MaildirScan {
    /** 36 hours, maildir(5)'s limit for a file in tmp/. */
    static final long TMP_MAX_AGE_SECONDS = 129600;

    /** One message: {@code fn} relative to the maildir ({@code new/NAME} or {@code cur/NAME:2,...}). */
    record Message(String fn, long size) {
        /** UIDL's unique name: the file name without its directory and without its ":info". */
        String uid() {
            String name = fn.substring(4);
            int colon = name.indexOf(':');
            return colon < 0 ? name : name.substring(0, colon);
        }
    }

    private record Found(long mtime, Message message) { }

    private MaildirScan() { }

    static List<Message> scan(Path maildir, long nowSeconds) throws IOException {
        cleanTmp(maildir.resolve("tmp"), nowSeconds);
        List<Found> found = new ArrayList<>();
        append(maildir, "new", nowSeconds, found);
        append(maildir, "cur", nowSeconds, found);
        found.sort(Comparator.comparingLong(Found::mtime).thenComparing(f -> f.message().fn()));
        return found.stream().map(Found::message).toList();
    }

    private static void append(Path maildir, String sub, long now, List<Found> found) throws IOException {
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(maildir.resolve(sub))) {
            for (Path p : dir) {
                String name = p.getFileName().toString();
                if (name.startsWith(".")) continue;
                BasicFileAttributes a;
                try {
                    a = Files.readAttributes(p, BasicFileAttributes.class);
                } catch (IOException e) {
                    continue; // gone meanwhile, or a dangling link: qmail's stat fails too
                }
                long mtime = a.lastModifiedTime().toMillis() / 1000;
                if (mtime < now) found.add(new Found(mtime, new Message(sub + "/" + name, a.size())));
            }
        } catch (java.nio.file.DirectoryIteratorException e) {
            throw e.getCause();
        }
    }

    private static void cleanTmp(Path tmp, long now) {
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(tmp)) {
            for (Path p : dir) {
                if (p.getFileName().toString().startsWith(".")) continue;
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                    if (now > a.lastAccessTime().toMillis() / 1000 + TMP_MAX_AGE_SECONDS) Files.delete(p);
                } catch (IOException e) {
                    // qmail ignores what it cannot stat or unlink
                }
            }
        } catch (IOException | java.nio.file.DirectoryIteratorException e) {
            // no tmp/, or unreadable: qmail returns quietly
        }
    }
}
