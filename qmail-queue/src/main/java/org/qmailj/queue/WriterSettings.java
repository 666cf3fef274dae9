package org.qmailj.queue;

import java.time.Duration;
import java.util.Map;

/**
 * What one client may cost the queue writer daemon (DESIGN.md, "Shared daemons: budgets").
 *
 * <ul>
 * <li>{@code connections}: connections served at once, all uids together. Each costs a socket,
 *     up to two queue files and ~40 KiB of heap, so the default follows the descriptor limit:
 *     (RLIMIT_NOFILE - 64) / 3, between 16 and 4096.
 * <li>{@code reserve}: of those, how many only the reserved uids (root, alias, qmaild, qmails
 *     and qmailq from lib/ids) may use: other uids together never hold more than
 *     {@code connections - reserve}. Default a quarter.
 * <li>{@code perUid}: connections one other uid may hold. Default 1/8 of the rest, 4 to 64.
 * <li>{@code readTimeout}: a client that sends nothing for this long is dropped and what it
 *     made removed. Default 1 hour: qmail-inject streams its input as it comes, so a silent
 *     producer ({@code job | sendmail}) must not be cut early; qmail-queue's own alarm, 24
 *     hours per connection, stays as well.
 * </ul>
 *
 * From the environment (the run script): QMAILQUEUED_CONNECTIONS, QMAILQUEUED_RESERVE,
 * QMAILQUEUED_PERUID, QMAILQUEUED_TIMEOUT (seconds). {@code killAfterCommit} is a test hook
 * (QMAILQUEUED_TEST_KILL_AFTER_COMMIT=1 in the daemon's own environment, which no client can
 * set): the writer SIGKILLs itself right after it links todo/N, before it answers.
 */
public record WriterSettings(int connections, int reserve, int perUid, Duration readTimeout, boolean killAfterCommit) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofHours(1);

    public WriterSettings {
        if (connections < 2 || reserve < 1 || reserve >= connections || perUid < 1) {
            throw new IllegalArgumentException("bad connection budget: " + connections + " connections, reserve " + reserve
                    + ", per uid " + perUid);
        }
        if (readTimeout.isNegative() || readTimeout.isZero()) throw new IllegalArgumentException("bad read timeout " + readTimeout);
    }

    /** The defaults for a process allowed {@code openFiles} descriptors. */
    public static WriterSettings forOpenFiles(long openFiles) {
        int connections = (int) Math.clamp((openFiles - 64) / 3, 16, 4096);
        int reserve = Math.max(4, connections / 4);
        int perUid = Math.clamp((connections - reserve) / 8, 4, 64);
        return new WriterSettings(connections, reserve, perUid, DEFAULT_TIMEOUT, false);
    }

    /** The defaults, overridden by the environment; a value that is not a positive number is an error. */
    public static WriterSettings from(Map<String, String> env, long openFiles) {
        WriterSettings d = forOpenFiles(openFiles);
        int connections = (int) number(env, "QMAILQUEUED_CONNECTIONS", d.connections);
        int reserve = (int) number(env, "QMAILQUEUED_RESERVE", env.containsKey("QMAILQUEUED_CONNECTIONS")
                ? Math.max(1, connections / 4) : d.reserve);
        int perUid = (int) number(env, "QMAILQUEUED_PERUID", d.perUid);
        Duration timeout = Duration.ofSeconds(number(env, "QMAILQUEUED_TIMEOUT", d.readTimeout.toSeconds()));
        return new WriterSettings(connections, reserve, perUid, timeout, "1".equals(env.get("QMAILQUEUED_TEST_KILL_AFTER_COMMIT")));
    }

    public WriterSettings withReadTimeout(Duration t) {
        return new WriterSettings(connections, reserve, perUid, t, killAfterCommit);
    }

    private static long number(Map<String, String> env, String name, long dflt) {
        String v = env.get(name);
        if (v == null) return dflt;
        try {
            long n = Long.parseLong(v.trim());
            if (n > 0 && n <= Integer.MAX_VALUE) return n;
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new IllegalArgumentException(name + " is not a positive number: " + v);
    }
}
