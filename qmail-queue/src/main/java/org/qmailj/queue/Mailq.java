package org.qmailj.queue;

/** mailq: sendmail -bp, which is qmail-qread. */
public final class Mailq {
    private Mailq() {}

    public static void main(String[] args) {
        QmailQread.main(args);
    }
}
