package org.qmailj.common.cli;

import java.util.Arrays;
import java.util.List;

/**
 * POSIX getopt, as qmail's and ucspi-tcp's programs parse their options: single letters,
 * clustered ({@code -vRH}), a letter followed by {@code :} in the spec takes an argument
 * ({@code -c40} or {@code -c 40}); parsing stops at {@code --}, at {@code -} alone, or at the
 * first argument that is not an option. An unknown letter or a missing argument is a
 * {@link Args.UsageException}.
 *
 * <p>This, not picocli, is what the per-invocation programs use: picocli's classes are Java 5
 * class files, which the JDK's AOT cache cannot store, and loading them costs ~50 ms per
 * process (measured; see the README). Not thread-safe; one parse per instance.
 */
public final class Getopt {
    private final String[] args;
    private final String spec;
    private int index;
    private int pos;
    private String arg;

    public Getopt(String[] args, String spec) {
        this.args = args;
        this.spec = spec;
    }

    /** The next option letter, or -1 when the options end. */
    public int next() throws Args.UsageException {
        arg = null;
        if (pos == 0) {
            if (index >= args.length) return -1;
            String a = args[index];
            if (a.equals("--")) {
                index++;
                return -1;
            }
            if (a.length() < 2 || a.charAt(0) != '-') return -1;
            pos = 1;
        }
        String a = args[index];
        char c = a.charAt(pos++);
        int at = spec.indexOf(c);
        if (at < 0 || c == ':') throw new Args.UsageException("illegal option -- " + c);
        boolean takesArg = at + 1 < spec.length() && spec.charAt(at + 1) == ':';
        if (takesArg) {
            if (pos < a.length()) {
                arg = a.substring(pos);
            } else if (index + 1 < args.length) {
                arg = args[++index];
            } else {
                throw new Args.UsageException("option requires an argument -- " + c);
            }
            index++;
            pos = 0;
        } else if (pos >= a.length()) {
            index++;
            pos = 0;
        }
        return c;
    }

    /** The argument of the option {@link #next} just returned. */
    public String arg() {
        return arg;
    }

    /** The arguments after the options; call once {@link #next} has returned -1. */
    public List<String> rest() {
        return Arrays.asList(args).subList(index, args.length);
    }
}
