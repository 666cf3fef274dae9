package org.qmailj.supervise.tools;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.qmailj.common.ErrorStr;

/**
 * envdir - runs another program with environment modified according to files in a specified
 * directory (envdir(8)). For each file {@code s} not starting with a dot: empty (0 bytes)
 * removes {@code $s}; otherwise {@code $s} becomes the first line, trailing spaces and tabs
 * removed, NULs turned into newlines. Then execs child.
 */
public final class Envdir {
    private static final String PROG = "envdir";

    private Envdir() {
    }

    public static void main(String[] args) {
        if (args.length < 2) {
            // daemontools' envdir exits 111 here, not 100 as the others do.
            PathExec.fatal0("envdir: usage: envdir dir child");
        }
        String d = args[0];
        Path dir = Path.of(d);
        Map<String, String> env = new LinkedHashMap<>(System.getenv());
        if (!Files.isDirectory(dir)) {
            PathExec.fatal(PROG, "unable to switch to directory " + d + ": "
                    + (Files.exists(dir) ? "not a directory" : "file does not exist"));
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.startsWith(".")) {
                    continue;
                }
                byte[] b;
                try {
                    if (Files.isDirectory(p)) {
                        PathExec.fatal(PROG, "unable to read " + d + "/" + name + ": is a directory");
                    }
                    b = Files.readAllBytes(p);
                } catch (IOException e) {
                    PathExec.fatal(PROG, "unable to read " + d + "/" + name + ": " + ErrorStr.of(e));
                    return;
                }
                if (b.length == 0) {
                    env.remove(name);
                    continue;
                }
                int len = 0;
                while (len < b.length && b[len] != '\n') {
                    len++;
                }
                while (len > 0 && (b[len - 1] == ' ' || b[len - 1] == '\t')) {
                    len--;
                }
                for (int i = 0; i < len; i++) {
                    if (b[i] == 0) {
                        b[i] = '\n';
                    }
                }
                env.put(name, new String(b, 0, len, StandardCharsets.ISO_8859_1));
            }
        } catch (IOException e) {
            PathExec.fatal(PROG, "unable to read directory " + d + ": " + ErrorStr.of(e));
        }
        PathExec.run(PROG, Arrays.asList(args).subList(1, args.length), env);
    }
}
