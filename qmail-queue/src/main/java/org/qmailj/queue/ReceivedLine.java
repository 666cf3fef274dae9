package org.qmailj.queue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.qmailj.common.QmailIds;

/**
 * The line qmail-queue puts in front of every message:
 * {@code Received: (qmail PID invoked by uid UID); 26 Sep 1995 04:46:54 -0000\n}, with
 * "invoked by alias", "invoked from network" or "invoked for bounce" when the uid is that of
 * the alias, qmaild or qmails user (checked in that order, as qmail-queue.c does).
 *
 * <p>Different on purpose: in a sandbox install every qmail user has the same uid, so the uid
 * alone cannot tell the roles apart. When a uid belongs to more than one role, the role the
 * caller names (alias, qmaild, qmails) is used if it is one of them, and otherwise the line
 * says "invoked by uid UID". A caller can never name a role whose uid it does not have.
 */
public final class ReceivedLine {
    private static final DateTimeFormatter DATE =
            DateTimeFormatter.ofPattern("d MMM yyyy HH:mm:ss", Locale.US).withZone(ZoneOffset.UTC);

    private final int alias;
    private final int qmaild;
    private final int qmails;

    public ReceivedLine(int alias, int qmaild, int qmails) {
        this.alias = alias;
        this.qmaild = qmaild;
        this.qmails = qmails;
    }

    public static ReceivedLine of(QmailIds ids) throws IOException {
        return new ReceivedLine(ids.uid("alias"), ids.uid("qmaild"), ids.uid("qmails"));
    }

    /** How the uid is described; {@code role} may be null. */
    public String invoked(long uid, String role) {
        int roles = (uid == alias ? 1 : 0) + (uid == qmaild ? 1 : 0) + (uid == qmails ? 1 : 0);
        if (roles > 1) {
            if ("alias".equals(role)) return "invoked by alias";
            if ("qmaild".equals(role)) return "invoked from network";
            if ("qmails".equals(role)) return "invoked for bounce";
            return "invoked by uid " + uid;
        }
        if (uid == alias) return "invoked by alias";
        if (uid == qmaild) return "invoked from network";
        if (uid == qmails) return "invoked for bounce";
        return "invoked by uid " + uid;
    }

    public byte[] line(long pid, long uid, String role, Instant when) {
        return ("Received: (qmail " + pid + " " + invoked(uid, role) + "); " + DATE.format(when) + " -0000\n")
                .getBytes(StandardCharsets.ISO_8859_1);
    }
}
