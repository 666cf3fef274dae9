package org.qmailj.tcpserver;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

/** A QMAIL_HOME with control/me and rcpthosts, and a QMAILQUEUE stub that keeps each message. */
final class QueueStub {
    final Path home;
    final Path qq;
    final Path stub;

    QueueStub(Path dir) throws IOException {
        home = dir.resolve("qmail");
        qq = dir.resolve("qq");
        Files.createDirectories(home.resolve("control"));
        Files.createDirectories(qq);
        Files.writeString(home.resolve("control/me"), "test.example\n");
        Files.writeString(home.resolve("control/rcpthosts"), "test.example\n");
        stub = dir.resolve("qq-stub");
        Files.writeString(stub, """
                #!/bin/sh
                d='%s'; n=$(date +%%s%%N).$$
                if [ -f "$d/discard" ]; then wc -c > "$d/$n.tmp" || exit 54; else cat > "$d/$n.tmp" || exit 54; fi
                cat 0<&1 > "$d/$n.tmpenv" || exit 54
                if [ "$(tail -c 2 "$d/$n.tmpenv" | od -An -c | tr -d ' \\n')" != '\\0\\0' ]; then
                  rm -f "$d/$n.tmp" "$d/$n.tmpenv"; exit 54
                fi
                mv "$d/$n.tmpenv" "$d/$n.env"; mv "$d/$n.tmp" "$d/$n.msg"
                """.formatted(qq));
        Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    void discard() throws IOException {
        Files.writeString(qq.resolve("discard"), "");
    }

    void control(String name, String value) throws IOException {
        Files.writeString(home.resolve("control").resolve(name), value + "\n");
    }

    /** Anything the stub started but did not finish: must be empty after every refusal. */
    List<Path> leftovers() throws IOException {
        try (Stream<Path> s = Files.list(qq)) {
            return s.filter(p -> p.toString().contains(".tmp")).toList();
        }
    }

    List<String> messages() throws IOException {
        try (Stream<Path> s = Files.list(qq)) {
            return s.filter(p -> p.toString().endsWith(".msg")).sorted().map(p -> {
                try {
                    return Files.readString(p, StandardCharsets.ISO_8859_1);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }).toList();
        }
    }

    List<String> envelopes() throws IOException {
        try (Stream<Path> s = Files.list(qq)) {
            return s.filter(p -> p.toString().endsWith(".env")).sorted().map(p -> {
                try {
                    return Files.readString(p, StandardCharsets.ISO_8859_1);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }).toList();
        }
    }
}
