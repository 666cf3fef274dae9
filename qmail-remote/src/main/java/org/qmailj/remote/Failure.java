package org.qmailj.remote;

/**
 * qmail-remote's message reports that end a delivery before or outside an SMTP session, with
 * qmail's exact texts and enhanced status codes (qmail-remote.c's temp_* and perm_*).
 * {@code Z} is a temporary failure, {@code D} a permanent one.
 */
enum Failure {
    NOMEM('Z', "Out of memory. (#4.3.0)\n"),
    OSERR('Z', "System resources temporarily unavailable. (#4.3.0)\n"),
    NOCONN('Z', "Sorry, I wasn't able to establish an SMTP connection. (#4.4.1)\n"),
    READ('Z', "Unable to read message. (#4.3.0)\n"),
    DNSCANON('Z', "CNAME lookup failed temporarily. (#4.4.3)\n"),
    DNS('Z', "Sorry, I couldn't find any host by that name. (#4.1.2)\n"),
    CHDIR('Z', "Unable to switch to home directory. (#4.3.0)\n"),
    CONTROL('Z', "Unable to read control files. (#4.3.0)\n"),
    PARTIALLINE('D', "SMTP cannot transfer messages with partial final lines. (#5.6.2)\n"),
    USAGE('D', "I (qmail-remote) was invoked improperly. (#5.3.5)\n"),
    NOMX('D', "Sorry, I couldn't find a mail exchanger or IP address. (#5.4.4)\n"),
    AMBIGMX('D', "Sorry. Although I'm listed as a best-preference MX or A for that host,\n"
            + "it isn't in my control/locals file, so I don't treat it as local. (#5.4.6)\n");

    final char letter;
    final String text;

    Failure(char letter, String text) {
        this.letter = letter;
        this.text = text;
    }

    /** Writes this message report and ends the delivery. */
    Output.Finished report(Output out) {
        out.text(letter + text);
        return out.finish();
    }

    /** perm_dns: the host name, made printable, is part of the text. */
    static Output.Finished noSuchHost(Output out, String host) {
        out.text("DSorry, I couldn't find any host named ");
        out.safe(host);
        out.text(". (#5.1.2)\n");
        return out.finish();
    }
}
