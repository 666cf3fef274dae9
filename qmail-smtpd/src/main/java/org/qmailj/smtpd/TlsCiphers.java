package org.qmailj.smtpd;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * control/tlsserverciphers, an OpenSSL cipher list ({@code ECDHE-RSA-AES256-GCM-SHA384:...}),
 * read for the JDK. Each name is taken as a JDK (IANA) suite name ({@code TLS_ECDHE_...}) or
 * as an OpenSSL name of an ECDHE or DHE suite, translated by rule; OpenSSL's keywords and
 * operators ({@code HIGH}, {@code !aNULL}, {@code +RSA}, {@code @STRENGTH}) and names the JDK
 * lacks are ignored. As with OpenSSL's SSL_CTX_set_cipher_list, the list limits the TLS 1.2
 * suites only: TLS 1.3's suites stay the JDK's unless the list names some of them. A list
 * that leaves no TLS 1.2 suite is ignored entirely, so a typo cannot turn TLS off.
 */
final class TlsCiphers {
    private TlsCiphers() { }

    static String[] select(String line, List<String> supported, List<String> defaults) {
        Set<String> picked = new LinkedHashSet<>();
        for (String name : line.trim().split("[:, ]+")) {
            if (name.isEmpty()) continue;
            String jdk = name.startsWith("TLS_") || name.startsWith("SSL_") ? name : fromOpenssl(name);
            if (jdk != null && supported.contains(jdk)) picked.add(jdk);
        }
        List<String> tls13 = picked.stream().filter(TlsCiphers::isTls13).toList();
        List<String> tls12 = picked.stream().filter(s -> !isTls13(s)).toList();
        if (tls12.isEmpty()) return defaults.toArray(new String[0]);
        List<String> out = new ArrayList<>(tls13.isEmpty() ? defaults.stream().filter(TlsCiphers::isTls13).toList() : tls13);
        out.addAll(tls12);
        return out.toArray(new String[0]);
    }

    /** TLS 1.3 suites name no key exchange: TLS_AES_128_GCM_SHA256 and the like. */
    static boolean isTls13(String suite) {
        return suite.startsWith("TLS_") && !suite.contains("_WITH_");
    }

    /**
     * ECDHE-RSA-AES256-GCM-SHA384 → TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
     * ECDHE-ECDSA-CHACHA20-POLY1305 → TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
     * DHE-RSA-AES128-SHA256 → TLS_DHE_RSA_WITH_AES_128_CBC_SHA256,
     * ECDHE-RSA-AES128-SHA → TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA; null for anything else.
     */
    static String fromOpenssl(String name) {
        String n = name.toUpperCase(Locale.ROOT);
        String kx;
        if (n.startsWith("ECDHE-RSA-")) kx = "ECDHE_RSA";
        else if (n.startsWith("ECDHE-ECDSA-")) kx = "ECDHE_ECDSA";
        else if (n.startsWith("DHE-RSA-")) kx = "DHE_RSA";
        else return null;
        String rest = n.substring(kx.length() + 1);
        if (rest.equals("CHACHA20-POLY1305")) return "TLS_" + kx + "_WITH_CHACHA20_POLY1305_SHA256";
        String[] p = rest.split("-");
        if (p.length < 2 || !p[0].matches("AES(128|256)")) return null;
        String aes = "AES_" + p[0].substring(3);
        if (p.length == 3 && p[1].equals("GCM")) return "TLS_" + kx + "_WITH_" + aes + "_GCM_" + p[2];
        if (p.length == 2 && p[1].equals("SHA")) return "TLS_" + kx + "_WITH_" + aes + "_CBC_SHA";
        if (p.length == 2 && p[1].startsWith("SHA")) return "TLS_" + kx + "_WITH_" + aes + "_CBC_" + p[1];
        return null;
    }
}
