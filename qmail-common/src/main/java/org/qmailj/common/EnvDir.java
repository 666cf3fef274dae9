package org.qmailj.common;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * envdir(8)'s reading of a directory, shared by the envdir program (supervise) and
 * tcpserver's in-process envdir stage. For each file {@code s} not starting with a dot:
 * empty (0 bytes) removes {@code $s}; otherwise {@code $s} becomes the first line, trailing
 * spaces and tabs removed, NULs turned into newlines.
 */
public final class EnvDir {
    private EnvDir() {
    }

    /** What envdir says after "envdir: fatal: ". */
    public static final class Failure extends Exception {
        public Failure(String message) {
            super(message);
        }
    }

    /** Applies directory {@code d} (as named on the command line) to {@code env}. */
    public static void apply(String d, Map<String, String> env) throws Failure {
        Path dir = Path.of(d);
        if (!Files.isDirectory(dir)) {
            throw new Failure("unable to switch to directory " + d + ": "
                    + (Files.exists(dir) ? "not a directory" : "file does not exist"));
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.startsWith(".")) continue;
                byte[] b;
                try {
                    if (Files.isDirectory(p)) throw new Failure("unable to read " + d + "/" + name + ": is a directory");
                    b = Files.readAllBytes(p);
                } catch (IOException e) {
                    throw new Failure("unable to read " + d + "/" + name + ": " + ErrorStr.of(e));
                }
                if (b.length == 0) {
                    env.remove(name);
                    continue;
                }
                int len = 0;
                while (len < b.length && b[len] != '\n') len++;
                while (len > 0 && (b[len - 1] == ' ' || b[len - 1] == '\t')) len--;
                for (int i = 0; i < len; i++) {
                    if (b[i] == 0) b[i] = '\n';
                }
                env.put(name, new String(b, 0, len, StandardCharsets.ISO_8859_1));
            }
        } catch (IOException e) {
            throw new Failure("unable to read directory " + d + ": " + ErrorStr.of(e));
        }
    }
}
