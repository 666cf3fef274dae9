package org.qmailj.queue;

import java.io.IOException;
import java.util.Map;
import org.qmailj.common.control.ControlDir;

/**
 * What qmail-inject takes from control/ and the environment (qmail-inject(8)), read once.
 * Host names: defaulthost, defaultdomain, plusdomain and idhost default to control/me, else to
 * their own literal name; QMAILDEFAULTHOST, QMAILDEFAULTDOMAIN, QMAILPLUSDOMAIN and QMAILIDHOST
 * override them.
 */
public record InjectConfig(String defaultHost, String defaultDomain, String plusDomain, String idHost,
        String user, String host, String name, String senderUser, String senderHost, String flags, String mftFile) {

    public static InjectConfig load(ControlDir control, Map<String, String> env) throws IOException {
        String defaultDomain = env(env, "QMAILDEFAULTDOMAIN", null);
        if (defaultDomain == null) defaultDomain = control.lineOrMe("defaultdomain", "defaultdomain");
        String defaultHost = env(env, "QMAILDEFAULTHOST", null);
        if (defaultHost == null) defaultHost = control.lineOrMe("defaulthost", "defaulthost");
        String plusDomain = env(env, "QMAILPLUSDOMAIN", null);
        if (plusDomain == null) plusDomain = control.lineOrMe("plusdomain", "plusdomain");
        String idHost = env(env, "QMAILIDHOST", null);
        if (idHost == null) idHost = control.lineOrMe("idhost", "idhost");
        String user = first(env, "anonymous", "QMAILUSER", "MAILUSER", "USER", "LOGNAME");
        String host = first(env, defaultHost, "QMAILHOST", "MAILHOST");
        String name = first(env, null, "QMAILNAME", "MAILNAME", "NAME");
        String suser = env(env, "QMAILSUSER", user);
        String shost = env(env, "QMAILSHOST", host);
        return new InjectConfig(defaultHost, defaultDomain, plusDomain, idHost, user, host, name, suser, shost,
                env(env, "QMAILINJECT", ""), env(env, "QMAILMFTFILE", null));
    }

    private static String env(Map<String, String> env, String key, String def) {
        String v = env.get(key);
        return v == null ? def : v;
    }

    private static String first(Map<String, String> env, String def, String... keys) {
        for (String k : keys) {
            String v = env.get(k);
            if (v != null) return v;
        }
        return def;
    }

    public boolean flag(char c) { return flags.indexOf(c) >= 0; }

    /**
     * qmail-inject's host rewriting: a host ending in '+' loses it and gets plusdomain; a host
     * without dots gets defaultdomain; a [literal] stays.
     */
    public String qualify(String h) {
        if (h.startsWith("[")) return h;
        if (h.endsWith("+")) return h.substring(0, h.length() - 1) + "." + plusDomain;
        if (h.indexOf('.') < 0) return h + "." + defaultDomain;
        return h;
    }

    /** box → box@defaulthost; then the host is qualified. The empty address stays empty. */
    public String rewrite(String addr) {
        if (addr.isEmpty()) return addr;
        int at = addr.lastIndexOf('@');
        if (at < 0) return addr + "@" + qualify(defaultHost);
        return addr.substring(0, at + 1) + qualify(addr.substring(at + 1));
    }
}
