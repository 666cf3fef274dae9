package org.qmailj.common.address;

import java.util.List;
import java.util.Optional;
import org.qmailj.common.control.ControlDir;
import org.qmailj.common.control.ControlException;

/**
 * qmail-send's rewriting of an envelope recipient before delivery (qmail-send(8)):
 * <ol>
 *   <li>no {@code @}: append {@code @envnoathost};
 *   <li>percenthack: while the domain is listed, {@code user%fqdn@domain} becomes
 *       {@code user@fqdn};
 *   <li>locals: a listed domain makes the address local, unchanged;
 *   <li>virtualdomains: the first match among the whole address (virtual user), the domain,
 *       each {@code .suffix} of the domain from the longest, and the empty key (catch-all)
 *       gives {@code prepend-address}, local; an empty prepend is an exception and stops the
 *       search (the address stays remote);
 *   <li>otherwise the address is remote.
 * </ol>
 * Immutable; qmail-send builds a new one when SIGHUP rereads locals and virtualdomains.
 */
public record RecipientRewriter(ConstMap locals, ConstMap percenthack, ConstMap virtualdomains, String envnoathost) {

    public enum Channel { LOCAL, REMOTE }

    public record Rewritten(Channel channel, String address) {}

    /**
     * From control/locals (default: me; both missing is an error), percenthack, virtualdomains and
     * envnoathost (default: me): what qmail-send reads at start and at SIGHUP, and what
     * qmail-smtpd's recipient check reads to tell local recipients.
     */
    public static RecipientRewriter load(ControlDir c) throws ControlException {
        Optional<List<String>> locals = c.listOrMe("locals");
        if (locals.isEmpty()) throw new ControlException("unable to read controls: locals and me are both missing");
        return new RecipientRewriter(
                ConstMap.ofKeys(locals.get()),
                ConstMap.ofKeys(c.list("percenthack")),
                ConstMap.ofColonLines(c.list("virtualdomains")),
                c.lineOrMe("envnoathost", "envnoathost"));
    }

    public Rewritten rewrite(String recipient) {
        String addr = recipient;
        int at = addr.lastIndexOf('@');
        if (at < 0) {
            addr = addr + "@" + envnoathost;
            at = addr.lastIndexOf('@');
        }
        while (percenthack.contains(addr.substring(at + 1))) {
            int pct = addr.lastIndexOf('%', at - 1);
            if (pct < 0) break;
            addr = addr.substring(0, pct) + "@" + addr.substring(pct + 1, at);
            at = pct;
        }
        at = addr.lastIndexOf('@');
        if (locals.contains(addr.substring(at + 1))) return new Rewritten(Channel.LOCAL, addr);

        for (int i = 0; i <= addr.length(); i++) {
            boolean candidate = i == 0 || i == at + 1 || i == addr.length() || (i > at && addr.charAt(i) == '.');
            if (!candidate) continue;
            Optional<String> prepend = virtualdomains.get(addr.substring(i));
            if (prepend.isPresent()) {
                if (prepend.get().isEmpty()) break;
                return new Rewritten(Channel.LOCAL, prepend.get() + "-" + addr);
            }
        }
        return new Rewritten(Channel.REMOTE, addr);
    }
}
