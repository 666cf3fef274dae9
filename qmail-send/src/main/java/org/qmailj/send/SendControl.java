package org.qmailj.send;

import org.qmailj.common.address.RecipientRewriter;
import org.qmailj.common.control.ControlDir;
import org.qmailj.common.control.ControlException;

/**
 * The control files qmail-send reads at start (qmail-send(8)), with their defaults. SIGHUP
 * rereads locals and virtualdomains only ({@link #reread}), as qmail does.
 */
public record SendControl(
        RecipientRewriter rewriter,
        String bouncefrom,
        String bouncehost,
        /** doublebounceto@doublebouncehost; starts with "@" when doublebounceto is empty. */
        String doublebounce,
        int concurrencylocal,
        int concurrencyremote,
        long queuelifetime) {

    /** This suite's concurrency limit: qmail's compile-time 120 does not apply. */
    public static final int MAX_CONCURRENCY = 65000;

    public static SendControl load(ControlDir c) throws ControlException {
        return new SendControl(
                RecipientRewriter.load(c),
                c.line("bouncefrom", "MAILER-DAEMON"),
                c.lineOrMe("bouncehost", "bouncehost"),
                c.line("doublebounceto", "postmaster") + "@" + c.lineOrMe("doublebouncehost", "doublebouncehost"),
                concurrency(c, "concurrencylocal", 10),
                concurrency(c, "concurrencyremote", 20),
                c.integer("queuelifetime", 604800, 0, Long.MAX_VALUE / 4));
    }

    /** qmail clamps a concurrency above what the spawner allows; it is not an error. */
    private static int concurrency(ControlDir c, String name, int def) throws ControlException {
        return (int) Math.min(c.integer(name, def, 0, Long.MAX_VALUE), MAX_CONCURRENCY);
    }

    /** The same controls with locals and virtualdomains read again. */
    public SendControl reread(ControlDir c) throws ControlException {
        return new SendControl(RecipientRewriter.load(c), bouncefrom, bouncehost, doublebounce,
                concurrencylocal, concurrencyremote, queuelifetime);
    }

    int concurrency(Channel ch) {
        return ch == Channel.LOCAL ? concurrencylocal : concurrencyremote;
    }
}
