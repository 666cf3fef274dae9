package org.qmailj.clean;

/** qmail-clean's one-byte answer to one command. */
public sealed interface CleanReply permits CleanReply.Done, CleanReply.Failed, CleanReply.Bad {

    byte code();

    /** {@code +}: both files are gone (either may have been missing already). */
    record Done() implements CleanReply {
        @Override public byte code() { return '+'; }
    }

    /** {@code !}: an unlink failed for a reason other than a missing file. */
    record Failed() implements CleanReply {
        @Override public byte code() { return '!'; }
    }

    /** {@code x}: not a command qmail-clean knows. */
    record Bad() implements CleanReply {
        @Override public byte code() { return 'x'; }
    }

    CleanReply DONE = new Done();
    CleanReply FAILED = new Failed();
    CleanReply BAD = new Bad();

    /** The reply for a byte read from qmail-clean; anything unknown counts as {@link Bad}. */
    static CleanReply of(int b) {
        return switch (b) {
            case '+' -> DONE;
            case '!' -> FAILED;
            default -> BAD;
        };
    }
}
