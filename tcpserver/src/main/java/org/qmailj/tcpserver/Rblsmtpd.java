package org.qmailj.tcpserver;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.qmailj.common.Exit;
import org.qmailj.common.sys.Proc;
import org.qmailj.smtpd.FdWire;

/**
 * rblsmtpd - blocks mail from RBL-listed sites (rblsmtpd(1)). Decides ({@link Rbl}); a
 * blocked client gets rblsmtpd's own conversation ({@link RblDialog}) on descriptors 0 and 1
 * and one line on descriptor 2; otherwise the program runs (same pid). Usage errors exit 100.
 */
public final class Rblsmtpd {
    private Rblsmtpd() {
    }

    public static void main(String[] args) {
        Rbl.Parsed p = Rbl.parse(List.of(args));
        if (p.rbl().isEmpty()) {
            if (p.error() != null) System.err.print(p.error() + "\n");
            System.err.print(Rbl.USAGE + "\n");
            Exit.now(100);
        }
        Rbl rbl = p.rbl().get();
        Rbl.Decision d;
        try {
            d = rbl.decide(asBytes(System.getenv()), RblDns.get());
        } catch (IllegalArgumentException e) { // a QMAIL_DNS_SERVER that names no server
            System.err.print("rblsmtpd: fatal: " + e.getMessage() + "\n");
            Exit.now(111);
            return;
        }
        if (d.blocked()) {
            System.err.print("rblsmtpd: " + d.ip() + " pid " + Proc.getpid() + ": " + d.message() + "\n");
            System.err.flush();
            RblDialog.run(d.message(), rbl.timeout, new FdWire());
            Exit.now(0);
        }
        Exec.run("rblsmtpd", rbl.program, System.getenv());
    }

    /**
     * The environment as the C program sees it, a byte per char: the JVM decoded it with the
     * platform's charset, so a UTF-8 "é" in $RBLSMTPD is two bytes (two '?' in the reply).
     */
    private static Map<String, String> asBytes(Map<String, String> env) {
        Charset cs = Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"), StandardCharsets.UTF_8);
        Map<String, String> m = new HashMap<>(env);
        m.replaceAll((k, v) -> new String(v.getBytes(cs), StandardCharsets.ISO_8859_1));
        return m;
    }
}
