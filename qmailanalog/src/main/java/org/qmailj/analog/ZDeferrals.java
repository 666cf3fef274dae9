package org.qmailj.analog;

/** zdeferrals: Reasons for deferral (qmailanalog 0.70). */
public final class ZDeferrals extends Reasons {
    ZDeferrals() {
        super("z", "Reasons for deferral", "deferral");
    }

    public static void main(String[] args) {
        Report.main("zdeferrals", new ZDeferrals());
    }
}
