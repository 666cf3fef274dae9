package org.qmailj.analog;

/** zfailures: Reasons for failure (qmailanalog 0.70). */
public final class ZFailures extends Reasons {
    ZFailures() {
        super("d", "Reasons for failure", "delivery failure");
    }

    public static void main(String[] args) {
        Report.main("zfailures", new ZFailures());
    }
}
