package org.qmailj.local;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.qmailj.common.Exit;
import org.qmailj.common.sys.Fd;
import org.qmailj.common.sys.Lock;
import org.qmailj.common.sys.SysException;

/**
 * maildir2mbox - move mail from a maildir to an mbox (maildir2mbox(1)). $MAILDIR's new/ and
 * cur/ messages, oldest first, are appended to a copy of $MAIL in $MAILTMP (From_ line from
 * the message's Return-Path, or MAILER-DAEMON, dated with the file's mtime; >From quoting; a
 * blank line after each), which is fsync'd and renamed over $MAIL while $MAIL is locked; only
 * then are the maildir files removed.
 */
public final class Maildir2mbox {
    private static final String FATAL = "maildir2mbox: fatal: ";

    private Maildir2mbox() {
    }

    public static void main(String[] args) {
        Path maildir = Path.of(HelperSupport.env("maildir2mbox", "MAILDIR"));
        Path mail = Path.of(HelperSupport.env("maildir2mbox", "MAIL"));
        Path mailtmp = Path.of(HelperSupport.env("maildir2mbox", "MAILTMP"));
        try {
            run(maildir, mail, mailtmp);
        } catch (IOException e) {
            HelperSupport.die(111, FATAL + e.getMessage());
        }
        Exit.now(0);
    }

    static void run(Path maildir, Path mail, Path mailtmp) throws IOException {
        List<Path> msgs = new ArrayList<>();
        for (String sub : new String[] {"new", "cur"}) {
            try (Stream<Path> s = Files.list(maildir.resolve(sub))) {
                s.filter(p -> !p.getFileName().toString().startsWith(".")).forEach(msgs::add);
            } catch (IOException e) {
                throw new IOException("unable to scan $MAILDIR: " + LocalFailure.reason(e));
            }
        }
        if (msgs.isEmpty()) return;
        msgs.sort(Comparator.comparingLong(Maildir2mbox::mtime));
        int lockFd = -1;
        try {
            try {
                lockFd = Fd.open(mail, Fd.O_RDWR | Fd.O_CREAT | Fd.O_CLOEXEC, 0600);
                Lock.lockEx(lockFd);
            } catch (SysException e) {
                throw new IOException("unable to lock $MAIL: " + e.getMessage());
            }
            try (FileChannel out = FileChannel.open(mailtmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                OutputStream o = Channels.newOutputStream(out);
                try {
                    o.write(Files.readAllBytes(mail));
                } catch (NoSuchFileException e) {
                    // no mbox yet
                }
                for (Path m : msgs) {
                    byte[] b = Files.readAllBytes(m);
                    o.write(("From " + sender(b) + " " + EnvelopeLines.myctime(mtime(m) / 1000)).getBytes(StandardCharsets.ISO_8859_1));
                    o.write(Mbox.quoted(b));
                }
                o.flush();
                out.force(true);
            } catch (IOException e) {
                throw new IOException("unable to write $MAILTMP: " + LocalFailure.reason(e));
            }
            Files.move(mailtmp, mail, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            if (lockFd >= 0) {
                try {
                    Fd.close(lockFd);
                } catch (SysException ignored) {
                    // closing releases the lock
                }
            }
        }
        for (Path m : msgs) Files.deleteIfExists(m);
    }

    private static long mtime(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }

    static String sender(byte[] msg) {
        String head = new String(msg, 0, Math.min(msg.length, 1100), StandardCharsets.ISO_8859_1);
        if (head.startsWith("Return-Path: <")) {
            int end = head.indexOf(">");
            int nl = head.indexOf('\n');
            if (end > 0 && (nl < 0 || end < nl)) {
                String s = head.substring(14, end);
                if (!s.isEmpty()) return s.replace(' ', '-').replace('\t', '-');
            }
        }
        return "MAILER-DAEMON";
    }
}
