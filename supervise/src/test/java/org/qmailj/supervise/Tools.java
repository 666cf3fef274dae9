package org.qmailj.supervise;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.qmailj.testing.Cmd;
import org.qmailj.testing.DefaultSignals;

/**
 * Runs our programs in a child JVM on the test classpath, as the launchers would, with default
 * signal dispositions (the tests signal them and their ./run children).
 */
final class Tools {
    private Tools() {
    }

    static List<String> java(String main, String... args) {
        List<String> cmd = new ArrayList<>(DefaultSignals.command(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-cp",
                System.getProperty("java.class.path"), main));
        cmd.addAll(List.of(args));
        return cmd;
    }

    static Cmd.Result run(String main, String... args) throws IOException {
        return Cmd.run(java(main, args));
    }
}
