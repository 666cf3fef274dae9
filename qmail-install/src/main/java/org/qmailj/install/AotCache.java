package org.qmailj.install;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;

/**
 * Builds lib/qmail.aot, the JDK 25 AOT cache every launcher uses when present, by running
 * lib/aot-train (a launcher like the others, so the cache is made with exactly the launchers'
 * JVM flags and classpath) with QMAIL_AOT_OUTPUT set; and lib/inject.aot, the cache of the
 * injection tools (qmail-inject, sendmail, qmail-queue, on a class path of their own), from
 * lib/aot-train-inject. A cache is an optimisation: when a training fails the install goes on
 * without that cache, and says so.
 */
final class AotCache {
    private AotCache() {}

    static void build(Path home, PrintStream err) throws IOException {
        build(home, "aot-train", "qmail.aot", err);
        if (Files.exists(home.resolve("lib/aot-train-inject"))) build(home, "aot-train-inject", "inject.aot", err);
    }

    private static void build(Path home, String training, String name, PrintStream err) throws IOException {
        Path lib = home.resolve("lib");
        Path cache = lib.resolve(name);
        Path tmp = lib.resolve(name + ".new");
        Files.deleteIfExists(tmp);
        ProcessBuilder pb = new ProcessBuilder(lib.resolve(training).toString(), home.toString());
        pb.environment().put("QMAIL_AOT_OUTPUT", tmp.toString());
        pb.redirectErrorStream(true);
        Path log = lib.resolve(training + ".log");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                err.println("qmail-install: warning: AOT training timed out; launchers run without " + name + " (see " + log + ")");
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while building the AOT cache");
        }
        if (p.exitValue() != 0 || !Files.isRegularFile(tmp)) {
            err.println("qmail-install: warning: AOT training failed; launchers run without " + name + " (see " + log + ")");
            Files.deleteIfExists(tmp);
            return;
        }
        Files.move(tmp, cache, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Files.deleteIfExists(log);
    }
}
