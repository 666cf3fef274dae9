package org.qmailj.testing;

import java.util.ArrayList;
import java.util.List;

/**
 * Starts a child with every signal at its default disposition ({@code env --default-signal},
 * coreutils 8.31+). An ignored signal is inherited across exec: under nohup SIGHUP, in a
 * background job of a non-interactive shell SIGINT and SIGQUIT, reach every process the suite
 * starts as ignored, and a shell's trap (or the JVM's handler) on them is then silently not
 * installed. Tests that send a child a signal start it through here.
 */
public final class DefaultSignals {
    private DefaultSignals() {}

    /** {@code command} prefixed so that it execs with default dispositions (same pid). */
    public static List<String> command(List<String> command) {
        List<String> out = new ArrayList<>(command.size() + 2);
        out.add("/usr/bin/env");
        out.add("--default-signal");
        out.addAll(command);
        return out;
    }

    public static List<String> command(String... command) {
        return command(List.of(command));
    }

    /** A ProcessBuilder for {@code command} with default signal dispositions. */
    public static ProcessBuilder builder(List<String> command) {
        return new ProcessBuilder(command(command));
    }

    public static ProcessBuilder builder(String... command) {
        return builder(List.of(command));
    }
}
