package org.qmailj.smtpd;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.qmailj.common.control.ControlDir;
import org.qmailj.common.control.ControlException;

/**
 * What qmail-smtpd offers beyond netqmail's SMTP, read per session next to
 * {@link SmtpdControl}:
 *
 * @param tls STARTTLS's settings: present when control/servercert.pem is readable and usable
 * @param authProgram the checkpassword command line ($AUTHPROGRAM, else control/authprogram);
 *                    without one AUTH is not offered
 * @param authWithoutTls $AUTH_WITHOUT_TLS set: AUTH offered before (or without) STARTTLS
 * @param submission $SUBMISSION set: MAIL needs a successful AUTH first (RFC 6409, port 587)
 * @param env the connection's environment, handed to the checkpassword program
 */
record EsmtpOptions(Optional<ServerTls> tls, Optional<List<String>> authProgram, boolean authWithoutTls,
        boolean submission, Map<String, String> env) {
    /** Nothing beyond SIZE and SMTPUTF8, which need no configuration. */
    static final EsmtpOptions NONE = new EsmtpOptions(Optional.empty(), Optional.empty(), false, false, Map.of());

    static EsmtpOptions load(ControlDir control, Map<String, String> env) throws ControlException {
        return new EsmtpOptions(ServerTls.load(control),
                Checkpassword.commandLine(control.line("authprogram"), env),
                env.containsKey("AUTH_WITHOUT_TLS"), env.containsKey("SUBMISSION"), env);
    }

    /**
     * EHLO's keywords: PIPELINING, 8BITMIME, SIZE (with databytes when there is a limit),
     * SMTPUTF8, STARTTLS when it can start now, AUTH PLAIN LOGIN when allowed now.
     */
    List<String> keywords(long databytes, boolean canStartTls, boolean authAvailable) {
        List<String> k = new java.util.ArrayList<>(List.of("PIPELINING", "8BITMIME",
                databytes > 0 ? "SIZE " + databytes : "SIZE", "SMTPUTF8"));
        if (canStartTls && tls.isPresent()) k.add("STARTTLS");
        if (authAvailable) k.add("AUTH PLAIN LOGIN");
        return k;
    }
}
