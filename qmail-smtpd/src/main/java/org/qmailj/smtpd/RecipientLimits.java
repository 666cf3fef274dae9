package org.qmailj.smtpd;

import java.util.Map;
import org.qmailj.common.control.ControlDir;
import org.qmailj.common.control.ControlException;

/**
 * How many recipients of one message a session keeps in memory (qmail keeps them all and
 * runs out of memory under softlimit; tcpserver runs every session in one heap). Read as
 * databytes is: control/maxrcpt and control/maxrcptbytes, each overridden by the
 * environment variable of the same name in capitals (set per client by tcprules), read as
 * scan_ulong reads DATABYTES; below 1 counts as 1, as timeoutsmtpd does.
 *
 * <p>Defaults: 100 recipients, RFC 5321's minimum recipient buffer and what senders batch
 * anyway (qmail-remote sends one recipient per transaction, Postfix 50, Exim 100); and
 * 16,384 bytes of addresses (the sum of their lengths plus one each, as in the envelope),
 * 163 bytes per address on average at 100. A session then holds at most about 16 KiB of
 * address text plus about 50 bytes of object overhead per recipient, 21 KiB; 400
 * sessions (the sandbox's {@code -c}) 8.4 MiB, an eighth of a 64 MiB heap.
 *
 * @param maxRcpt recipients per message
 * @param maxRcptBytes bytes of recipient addresses per message, each counted with its NUL
 */
public record RecipientLimits(long maxRcpt, long maxRcptBytes) {
    public static final long DEFAULT_MAXRCPT = 100;
    public static final long DEFAULT_MAXRCPTBYTES = 16_384;
    public static final RecipientLimits DEFAULT = new RecipientLimits(DEFAULT_MAXRCPT, DEFAULT_MAXRCPTBYTES);

    public RecipientLimits {
        maxRcpt = Math.max(1, maxRcpt);
        maxRcptBytes = Math.max(1, maxRcptBytes);
    }

    /** Loads both limits; a malformed control file is a ControlException. */
    public static RecipientLimits load(ControlDir control, Map<String, String> env) throws ControlException {
        return new RecipientLimits(
                setting(control, env, "maxrcpt", DEFAULT_MAXRCPT),
                setting(control, env, "maxrcptbytes", DEFAULT_MAXRCPTBYTES));
    }

    private static long setting(ControlDir control, Map<String, String> env, String name, long def) throws ControlException {
        String x = env.get(name.toUpperCase(java.util.Locale.ROOT));
        return x != null ? scanUlong(x) : control.integer(name, def);
    }

    /** scan_ulong: the leading decimal digits, 0 if none, saturating instead of overflowing. */
    static long scanUlong(String x) {
        long u = 0;
        for (int i = 0; i < x.length() && x.charAt(i) >= '0' && x.charAt(i) <= '9' && u < Long.MAX_VALUE / 20; i++) {
            u = u * 10 + (x.charAt(i) - '0');
        }
        return u;
    }

    /** Counts the recipients taken for one message against the limits. */
    static final class Budget {
        /** Why a recipient was not taken. */
        enum Refusal { NONE, TOO_MANY, TOO_LONG }

        private final RecipientLimits limits;
        private long count;
        private long bytes;

        Budget(RecipientLimits limits) {
            this.limits = limits;
        }

        /** Takes a recipient of {@code length} bytes if both limits allow it. */
        Refusal take(long length) {
            if (count >= limits.maxRcpt()) return Refusal.TOO_MANY;
            if (bytes + length + 1 > limits.maxRcptBytes()) return Refusal.TOO_LONG;
            count++;
            bytes += length + 1;
            return Refusal.NONE;
        }

        void reset() {
            count = 0;
            bytes = 0;
        }
    }
}
