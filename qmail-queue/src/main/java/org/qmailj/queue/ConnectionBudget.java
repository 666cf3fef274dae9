package org.qmailj.queue;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Who may open another connection to the queue writer ({@link WriterSettings}): every uid
 * together at most {@code connections}; the uids that are not reserved together at most
 * {@code connections - reserve}, and each of them at most {@code perUid}. So one user's
 * flood costs that user only: root's qmail-inject, qmail-smtpd (qmaild), qmail-send's
 * bounces (qmails) and alias forwards always find {@code reserve} connections free. In a
 * sandbox every role is the sandbox user: all of its programs share the reserved budget, and
 * every other local user gets the ordinary one. Thread-safe.
 */
final class ConnectionBudget {
    private final WriterSettings settings;
    private final Set<Long> reserved;
    private final Map<Long, Integer> byUid = new HashMap<>();
    private int all;
    private int ordinary;

    ConnectionBudget(WriterSettings settings, Set<Long> reserved) {
        this.settings = settings;
        this.reserved = Set.copyOf(reserved);
    }

    boolean isReserved(long uid) {
        return reserved.contains(uid);
    }

    /** Takes a connection for {@code uid}, or returns false if its budget is spent. */
    synchronized boolean acquire(long uid) {
        if (all >= settings.connections()) return false;
        if (!reserved.contains(uid)) {
            if (ordinary >= settings.connections() - settings.reserve()) return false;
            if (byUid.getOrDefault(uid, 0) >= settings.perUid()) return false;
            ordinary++;
        }
        all++;
        byUid.merge(uid, 1, Integer::sum);
        return true;
    }

    synchronized void release(long uid) {
        Integer n = byUid.get(uid);
        if (n == null) throw new IllegalStateException("release without acquire for uid " + uid);
        if (n == 1) byUid.remove(uid); else byUid.put(uid, n - 1);
        all--;
        if (!reserved.contains(uid)) ordinary--;
    }

    synchronized int held(long uid) {
        return byUid.getOrDefault(uid, 0);
    }
}
