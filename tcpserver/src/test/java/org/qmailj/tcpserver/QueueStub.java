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
                cat > "$d/$n.tmp" || exit 54
                cat 0<&1 > "$d/$n.env" || exit 54
                mv "$d/$n.tmp" "$d/$n.msg"
                """.formatted(qq));
        Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rwxr-xr-x"));
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
