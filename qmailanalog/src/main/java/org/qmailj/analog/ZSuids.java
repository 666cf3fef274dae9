package org.qmailj.analog;

/** zsuids: one line per uid that queued mail. */
public final class ZSuids extends Senders {
    ZSuids() {
        super("Sender uids", "sender uid", "uid", f -> f[10], f -> f[10]);
    }

    public static void main(String[] args) {
        Report.main("zsuids", new ZSuids());
    }
}
