package org.qmailj.queue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Child JVMs running this module's classes, optionally as another user (setpriv). */
final class Jvm {
    private Jvm() {}

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * A copy of the test classpath in a world-readable directory, so that a child running as
     * an unprivileged user can load it (the originals may sit below /root).
     */
    static String publicClasspath(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<String> out = new ArrayList<>();
        int i = 0;
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path src = Path.of(e);
            if (!Files.exists(src)) continue;
            Path dst = dir.resolve((i++) + "-" + src.getFileName());
            if (Files.isDirectory(src)) {
                try (Stream<Path> s = Files.walk(src)) {
                    for (Path p : s.toList()) {
                        Path d = dst.resolve(src.relativize(p).toString());
                        if (Files.isDirectory(p)) Files.createDirectories(d);
                        else Files.copy(p, d, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            } else {
                Files.copy(src, dst, StandardCopyOption.REPLACE_EXISTING);
            }
            out.add(dst.toString());
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.toList()) p.toFile().setReadable(true, false);
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isDirectory).toList()) p.toFile().setExecutable(true, false);
        }
        return String.join(File.pathSeparator, out);
    }

    /** The command line of {@code mainClass} as uid/gid (null: as we are). */
    static List<String> command(String classpath, Path home, Integer uid, String mainClass, String... args) {
        return command(classpath, home, uid, List.of("-XX:TieredStopAtLevel=1"), mainClass, args);
    }

    /** As {@link #command(String, Path, Integer, String, String...)}, with these JVM options. */
    static List<String> command(String classpath, Path home, Integer uid, List<String> options, String mainClass, String... args) {
        List<String> c = new ArrayList<>();
        if (uid != null) c.addAll(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "--"));
        c.addAll(List.of(java(), "-XX:+UseSerialGC", "-Xshare:auto"));
        c.addAll(options);
        c.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-cp", classpath, "-Dqmail.home=" + home, mainClass));
        c.addAll(List.of(args));
        return c;
    }

    /** Makes every parent of {@code p} searchable by others (a @TempDir is 0700). */
    static void openPath(Path p) {
        for (Path q = p.toAbsolutePath(); q != null; q = q.getParent()) q.toFile().setExecutable(true, false);
    }
}
