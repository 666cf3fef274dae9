package org.qmailj.splogger;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Our programs in a child JVM on the test classpath, as the launchers would run them (default signal dispositions: tests signal them). */
final class Tools {
    private Tools() {
    }

    static List<String> java(String main, List<String> args) {
        return java(List.of(), main, args);
    }

    static List<String> java(List<String> jvmArgs, String main, List<String> args) {
        List<String> cmd = new ArrayList<>(org.qmailj.testing.DefaultSignals.command(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1"));
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main));
        cmd.addAll(args);
        return cmd;
    }

    static List<String> multilog(boolean ours, String... script) {
        if (ours) {
            return java("org.qmailj.splogger.Multilog", List.of(script));
        }
        List<String> cmd = new ArrayList<>(org.qmailj.testing.DefaultSignals.command("/usr/bin/multilog"));
        cmd.addAll(List.of(script));
        return cmd;
    }
}
