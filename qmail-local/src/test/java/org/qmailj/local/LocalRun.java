package org.qmailj.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.qmailj.testing.Cmd;

/** Runs qmail-local's main class in a fresh JVM, as bin/qmail-local does. */
final class LocalRun {
    private LocalRun() {
    }

    static List<String> java(String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(
                System.getProperty("java.home") + "/bin/java",
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(args);
        return cmd;
    }

    static Cmd.Result local(Map<String, String> env, String msg, String... args) throws IOException {
        return Cmd.run(java("org.qmailj.local.QmailLocal", List.of(args)), env, null,
                msg.getBytes(StandardCharsets.ISO_8859_1), 60);
    }

    static Cmd.Result tool(String mainClass, Map<String, String> env, String stdin, String... args)
            throws IOException {
        return Cmd.run(java(mainClass, List.of(args)), env, null,
                stdin.getBytes(StandardCharsets.ISO_8859_1), 60);
    }
}
