package org.qmailj.remote;

import java.util.Optional;
import org.qmailj.common.address.ConstMap;
import org.qmailj.common.control.ControlDir;
import org.qmailj.common.control.ControlException;
import org.qmailj.remote.dkim.DkimKeys;

/**
 * The control files qmail-remote reads (qmail-remote(8), CONTROL FILES), loaded once.
 *
 * @param helohost the name for HELO/EHLO: control/helohost, else control/me
 * @param timeoutConnect seconds to wait for a connection (control/timeoutconnect, default 60)
 * @param timeoutRemote seconds to wait for each response or write (control/timeoutremote, default 1200)
 * @param smtproutes control/smtproutes, domain to relay[:port]
 * @param tlsdestinations control/tlsdestinations, the TLS policy per host or domain
 * @param dkim the signing keys of control/dkim (see {@link DkimKeys})
 */
public record RemoteControl(String helohost, int timeoutConnect, int timeoutRemote, ConstMap smtproutes,
        TlsDestinations tlsdestinations, DkimKeys dkim) {

    /** Without control/tlsdestinations (opportunistic TLS everywhere) and without DKIM keys. */
    public RemoteControl(String helohost, int timeoutConnect, int timeoutRemote, ConstMap smtproutes) {
        this(helohost, timeoutConnect, timeoutRemote, smtproutes, TlsDestinations.NONE, DkimKeys.NONE);
    }

    /** Without DKIM keys. */
    public RemoteControl(String helohost, int timeoutConnect, int timeoutRemote, ConstMap smtproutes,
            TlsDestinations tlsdestinations) {
        this(helohost, timeoutConnect, timeoutRemote, smtproutes, tlsdestinations, DkimKeys.NONE);
    }

    /** Without control/tlsdestinations. */
    public RemoteControl(String helohost, int timeoutConnect, int timeoutRemote, ConstMap smtproutes, DkimKeys dkim) {
        this(helohost, timeoutConnect, timeoutRemote, smtproutes, TlsDestinations.NONE, dkim);
    }

    /**
     * Reads the control files; empty when helohost has no value at all (no helohost, no me),
     * in which case qmail-remote refuses to run.
     */
    public static Optional<RemoteControl> load(ControlDir control) throws ControlException {
        Optional<String> helo = control.line("helohost");
        if (helo.isEmpty()) helo = control.me();
        if (helo.isEmpty()) return Optional.empty();
        int connect = (int) control.integer("timeoutconnect", 60, 0, Integer.MAX_VALUE);
        int remote = (int) control.integer("timeoutremote", 1200, 0, Integer.MAX_VALUE);
        ConstMap routes = ConstMap.ofColonLines(control.list("smtproutes"));
        TlsDestinations tls = TlsDestinations.parse(control.list("tlsdestinations"), control.dir());
        DkimKeys dkim = DkimKeys.load(control.file("dkim"));
        return Optional.of(new RemoteControl(helo.get(), connect, remote, routes, tls, dkim));
    }
}
