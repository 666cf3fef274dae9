package org.qmailj.analog;

/** zsuccesses: Reasons for success (qmailanalog 0.70). */
public final class ZSuccesses extends Reasons {
    ZSuccesses() {
        super("k", "Reasons for success", "successful delivery");
    }

    public static void main(String[] args) {
        Report.main("zsuccesses", new ZSuccesses());
    }
}
