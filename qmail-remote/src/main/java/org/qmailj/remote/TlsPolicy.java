package org.qmailj.remote;

import java.nio.file.Path;
import java.util.List;

/**
 * What qmail-remote does about TLS with one server.
 *
 * @param mode whether STARTTLS is tried, required, and the certificate checked
 * @param cafile the CA certificates (PEM) to verify against; null: the JDK's trust store
 * @param ciphers JDK cipher suite names to enable; empty: the JDK's defaults
 * @param verifyDepth the most certificates above the server's own in the chain it sends;
 *     0: no limit
 * @param source what asked for this, for the refusal texts ("control/tlsdestinations",
 *     "the MTA-STS policy of example.com")
 */
public record TlsPolicy(Mode mode, Path cafile, List<String> ciphers, int verifyDepth, String source) {

    public enum Mode {
        /** STARTTLS when offered, any certificate; plain text when not offered (the default). */
        OPPORTUNISTIC,
        /** Never STARTTLS ({@code !host}). */
        SKIP,
        /** STARTTLS required, any certificate ({@code host:none}). */
        REQUIRE,
        /** STARTTLS required and the certificate verified, names included. */
        VERIFY
    }

    public static final TlsPolicy OPPORTUNISTIC = new TlsPolicy(Mode.OPPORTUNISTIC, null, List.of(), 0, "");

    /** TLS with a certificate valid for the MX host in the JDK trust store (MTA-STS enforce). */
    static TlsPolicy verifyJdk(String source) {
        return new TlsPolicy(Mode.VERIFY, null, List.of(), 0, source);
    }

    boolean required() {
        return mode == Mode.REQUIRE || mode == Mode.VERIFY;
    }
}
