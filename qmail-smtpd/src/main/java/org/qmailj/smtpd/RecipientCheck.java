package org.qmailj.smtpd;

import java.util.Map;
import org.qmailj.common.QmailHome;
import org.qmailj.common.address.RecipientRewriter;
import org.qmailj.common.control.ControlException;
import org.qmailj.common.users.LocalUsers;

/**
 * The recipient check at RCPT time (not qmail's; the validrcptto/realrcptto patches' idea):
 * with {@code RCPTCHECK} set in the connection's environment (tcprules), a recipient that
 * qmail-send would deliver locally (control/locals, virtualdomains, percenthack and
 * envnoathost, by qmail-send's own {@link RecipientRewriter}) and that local delivery would
 * bounce for "no mailbox" ({@link MailboxProbe}) is refused with 550 instead of accepted and
 * bounced later, to a sender that is often forged (backscatter). Remote recipients are not
 * checked. When the answer cannot be known (users/cdb unreadable, a home we may not search),
 * the recipient is accepted, as without the check: never a false 550.
 *
 * <p>Answers are cached per JVM for a minute ({@link VerdictCache}), so a new .qmail file or
 * users/cdb takes up to a minute to be seen here.
 */
final class RecipientCheck {
    static final String ENV = "RCPTCHECK";
    /** The text of the realrcptto patch and of qmail-local's bounce. */
    static final SmtpReply NO_MAILBOX = new SmtpReply.Perm("550 sorry, no mailbox here by that name. (#5.1.1)");
    static final RecipientCheck OFF = new RecipientCheck(null, null, null, null);

    private final String cacheKeyPrefix;
    private final RecipientRewriter rewriter;
    private final MailboxProbe probe;
    private final VerdictCache cache;

    RecipientCheck(String cacheKeyPrefix, RecipientRewriter rewriter, MailboxProbe probe, VerdictCache cache) {
        this.cacheKeyPrefix = cacheKeyPrefix;
        this.rewriter = rewriter;
        this.probe = probe;
        this.cache = cache;
    }

    /** Off unless {@code RCPTCHECK} is set; reads locals and virtualdomains per session, as smtpd's controls. */
    static RecipientCheck load(QmailHome home, Map<String, String> env) throws ControlException {
        return load(home, env, VerdictCache.SHARED);
    }

    static RecipientCheck load(QmailHome home, Map<String, String> env, VerdictCache cache) throws ControlException {
        if (!env.containsKey(ENV)) return OFF;
        return new RecipientCheck(home.root().toAbsolutePath() + "\0", RecipientRewriter.load(home.control()),
                new MailboxProbe(LocalUsers.of(home, false)), cache);
    }

    boolean enabled() {
        return rewriter != null;
    }

    /** False only when {@code addr} (as it would be queued) is local and surely has no mailbox. */
    boolean accepts(String addr) {
        return verdict(addr) != MailboxProbe.Verdict.NO_MAILBOX;
    }

    MailboxProbe.Verdict verdict(String addr) {
        if (!enabled()) return MailboxProbe.Verdict.UNKNOWN;
        RecipientRewriter.Rewritten r = rewriter.rewrite(addr);
        if (r.channel() != RecipientRewriter.Channel.LOCAL) return MailboxProbe.Verdict.UNKNOWN;
        String key = cacheKeyPrefix + r.address();
        MailboxProbe.Verdict v = cache.get(key);
        if (v != null) return v;
        String a = r.address();
        v = probe.probe(a.substring(0, a.lastIndexOf('@')));
        cache.put(key, v);
        return v;
    }
}
