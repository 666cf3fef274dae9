package org.qmailj.common.sys;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs a main class of the test classpath in a fresh JVM, for calls that change the process. */
public final class ChildJvm {
    public record Result(int exitCode, String stdout, String stderr) {
        public List<String> lines() {
            return stdout.lines().toList();
        }
    }

    private ChildJvm() {
    }

    public static Result run(Class<?> main, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED",
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"),
                main.getName()));
        command.addAll(List.of(args));
        Process process = org.qmailj.testing.DefaultSignals.builder(command).start();
        process.getOutputStream().close();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> slurp(process, true));
        String out = slurp(process, false);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("child JVM finished").isTrue();
        return new Result(process.exitValue(), out, err.join());
    }

    private static String slurp(Process process, boolean stderr) {
        try {
            byte[] bytes = (stderr ? process.getErrorStream() : process.getInputStream())
                    .readAllBytes();
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
