package org.qmailj.supervise;

import org.qmailj.common.sys.Proc;

/**
 * The svc(8) commands, one byte each on {@code supervise/control}. Signal commands carry the
 * signal supervise sends to ./run.
 */
public enum Command {
    UP('u', 0),
    DOWN('d', 0),
    ONCE('o', 0),
    PAUSE('p', Proc.SIGSTOP),
    CONTINUE('c', Proc.SIGCONT),
    HUP('h', Proc.SIGHUP),
    ALARM('a', Proc.SIGALRM),
    INTERRUPT('i', Proc.SIGINT),
    TERM('t', Proc.SIGTERM),
    KILL('k', Proc.SIGKILL),
    EXIT('x', 0);

    private final char letter;
    private final int signal;

    Command(char letter, int signal) {
        this.letter = letter;
        this.signal = signal;
    }

    public char letter() {
        return letter;
    }

    public int signal() {
        return signal;
    }

    /** The command for a control byte; null for bytes supervise ignores. */
    public static Command of(int b) {
        for (Command c : values()) {
            if (c.letter == b) {
                return c;
            }
        }
        return null;
    }
}
