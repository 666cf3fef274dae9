package org.qmailj.smtpd;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The recipient check's answers, kept briefly for the whole JVM (every session tcpserver runs
 * in it): a client repeating an address, or a dictionary attack, costs one lookup a minute
 * per address. Bounded: the least recently used answer goes first. Thread-safe.
 */
final class VerdictCache {
    static final long TTL_NANOS = 60_000_000_000L;
    static final int MAX_ENTRIES = 4096;
    /** Longer keys (addresses up to a command line long) are not kept: at most ~2 MiB in all. */
    static final int MAX_KEY = 512;

    /** The JVM's cache, on the monotonic clock. */
    static final VerdictCache SHARED = new VerdictCache(System::nanoTime, TTL_NANOS, MAX_ENTRIES);

    private record Answer(MailboxProbe.Verdict verdict, long expires) {
    }

    private final LongSupplier clock;
    private final long ttl;
    private final Map<String, Answer> map;

    VerdictCache(LongSupplier clock, long ttlNanos, int maxEntries) {
        this.clock = clock;
        this.ttl = ttlNanos;
        this.map = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Answer> eldest) {
                return size() > maxEntries;
            }
        };
    }

    /** The cached answer, or null when there is none or it is older than the TTL. */
    synchronized MailboxProbe.Verdict get(String key) {
        Answer e = map.get(key);
        if (e == null) return null;
        if (clock.getAsLong() - e.expires() >= 0) {
            map.remove(key);
            return null;
        }
        return e.verdict();
    }

    synchronized void put(String key, MailboxProbe.Verdict v) {
        if (key.length() > MAX_KEY) return;
        map.put(key, new Answer(v, clock.getAsLong() + ttl));
    }

    synchronized int size() {
        return map.size();
    }
}
