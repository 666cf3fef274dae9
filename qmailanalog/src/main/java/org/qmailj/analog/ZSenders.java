package org.qmailj.analog;

/** zsenders: one line per sender, keyed uid/address as qmailanalog's senders does. */
public final class ZSenders extends Senders {
    ZSenders() {
        super("Senders", "sender", "sender", f -> f[10] + "/" + f[8], f -> f[10] + "/" + f[7]);
    }

    public static void main(String[] args) {
        Report.main("zsenders", new ZSenders());
    }
}
