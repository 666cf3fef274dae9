package org.qmailj.smtpd;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.qmailj.common.address.ConstMap;
import org.qmailj.common.control.ControlDir;
import org.qmailj.common.control.ControlException;

/**
 * qmail-smtpd's configuration, read once per session as qmail-smtpd's setup() does: the
 * control files of qmail-smtpd(8) plus the connection's environment (tcp-environ(5),
 * RELAYCLIENT, DATABYTES). The environment is a map handed in, never the JVM's own.
 *
 * @param greeting smtpgreeting, default me; without either the session refuses to run
 * @param localiphost replacement for {@code [d.d.d.d]} literals naming this host, if any
 * @param timeoutSeconds timeoutsmtpd, default 1200, at least 1
 * @param rcptHosts rcpthosts and morercpthosts.cdb
 * @param badmailfrom badmailfrom, empty when the file is missing
 * @param databytes the message size limit, 0 for none (DATABYTES overrides the file)
 * @param relayclient RELAYCLIENT, if set: appended to every recipient, rcpthosts ignored
 * @param limits maxrcpt and maxrcptbytes (MAXRCPT, MAXRCPTBYTES override the files)
 */
public record SmtpdControl(
        String greeting,
        Optional<String> localiphost,
        int timeoutSeconds,
        RcptHosts rcptHosts,
        Optional<ConstMap> badmailfrom,
        long databytes,
        Optional<String> relayclient,
        RecipientLimits limits,
        Peer peer) {

    /**
     * The connection as the Received line names it: remote ip and host default to
     * "unknown", local to TCPLOCALHOST, else TCPLOCALIP, else "unknown".
     */
    public record Peer(String remoteip, String remotehost, Optional<String> remoteinfo, String local) {
        public static Peer of(Map<String, String> env) {
            String local = env.get("TCPLOCALHOST");
            if (local == null) local = env.get("TCPLOCALIP");
            if (local == null) local = "unknown";
            return new Peer(env.getOrDefault("TCPREMOTEIP", "unknown"),
                    env.getOrDefault("TCPREMOTEHOST", "unknown"),
                    Optional.ofNullable(env.get("TCPREMOTEINFO")), local);
        }
    }

    private static final ControlKeys BADMAILFROM = new ControlKeys();

    /** Loads everything; any unreadable control file is a ControlException (421 controls). */
    public static SmtpdControl load(ControlDir control, Map<String, String> env) throws ControlException {
        Optional<String> me = control.me();
        String greeting = control.line("smtpgreeting").or(() -> me)
                .orElseThrow(() -> new ControlException("control/smtpgreeting and control/me are missing"));
        Optional<String> liphost = control.line("localiphost").or(() -> me);
        long timeout = control.integer("timeoutsmtpd", 1200);
        if (timeout <= 0) timeout = 1;
        RcptHosts rcptHosts = RcptHosts.load(control);
        Optional<List<String>> bmf = control.optionalList("badmailfrom");
        return new SmtpdControl(greeting, liphost, (int) Math.min(timeout, Integer.MAX_VALUE / 1000),
                rcptHosts, bmf.map(BADMAILFROM::of), databytes(control, env),
                Optional.ofNullable(env.get("RELAYCLIENT")), RecipientLimits.load(control, env), Peer.of(env));
    }

    /** control/databytes, overridden by $DATABYTES read as scan_ulong reads it (leading digits). */
    static long databytes(ControlDir control, Map<String, String> env) throws ControlException {
        long databytes = control.integer("databytes", 0);
        String x = env.get("DATABYTES");
        return x != null ? RecipientLimits.scanUlong(x) : databytes;
    }
}
