package org.qmailj.send;

/**
 * qmail-send's two delivery channels. The retry schedule of a channel is
 * {@code birth + (floor(sqrt(now - birth)) + skip)^2} (FORMATS.md).
 */
public enum Channel {
    LOCAL("local", 10),
    REMOTE("remote", 20);

    /** The word in log lines and the queue directory name (local/, remote/). */
    public final String word;
    final long skip;

    Channel(String word, long skip) {
        this.word = word;
        this.skip = skip;
    }

    /** The next attempt after a deferral, for a message born (info/ mtime) at {@code birth}. */
    long nextRetry(long birth, long now) {
        long n = birth > now ? 0 : (long) Math.floor(Math.sqrt((double) (now - birth)));
        while (n * n > now - birth && n > 0) n--;
        n += skip;
        return birth + n * n;
    }
}
