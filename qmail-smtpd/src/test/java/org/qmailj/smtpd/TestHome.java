package org.qmailj.smtpd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.qmailj.common.QmailHome;

/**
 * A QMAIL_HOME for tests: control/ files and a recording QMAILQUEUE stub (a sh script) that
 * keeps each message and envelope it accepts, exits with the code in {@code qq/exit}
 * (writing {@code qq/text} to fd 6 first) and keeps nothing when the envelope is incomplete.
 */
public final class TestHome {
    public final Path root;
    public final Path qq;
    public final Path stub;

    public TestHome(Path dir) throws IOException {
        root = dir.resolve("qmail");
        qq = dir.resolve("qq");
        Files.createDirectories(root.resolve("control"));
        Files.createDirectories(root.resolve("bin"));
        Files.createDirectories(qq);
        stub = dir.resolve("qq-stub");
        String d = qq.toString();
        Files.writeString(stub, """
                #!/bin/sh
                d='%s'
                n=$(date +%%s%%N).$$
                if [ -f "$d/discard" ]; then wc -c > "$d/$n.tmpmsg" || exit 54; else cat > "$d/$n.tmpmsg" || exit 54; fi
                cat 0<&1 > "$d/$n.tmpenv" || exit 54
                code=$(cat "$d/exit" 2>/dev/null || echo 0)
                if [ "$(tail -c 2 "$d/$n.tmpenv" | od -An -c | tr -d ' \\n')" != '\\0\\0' ]; then
                  rm -f "$d/$n.tmpmsg" "$d/$n.tmpenv"; exit 54
                fi
                if [ "$code" != 0 ]; then
                  rm -f "$d/$n.tmpmsg" "$d/$n.tmpenv"
                  [ -f "$d/text" ] && cat "$d/text" >&6
                  exit "$code"
                fi
                mv "$d/$n.tmpmsg" "$d/$n.msg"; mv "$d/$n.tmpenv" "$d/$n.env"
                exit 0
                """.formatted(d));
        Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rwxr-xr-x"));
        control("me", "test.example");
    }

    public QmailHome home() { return new QmailHome(root); }

    public TestHome control(String name, String content) throws IOException {
        Files.writeString(root.resolve("control").resolve(name), content + "\n", StandardCharsets.ISO_8859_1);
        return this;
    }

    public void queueExit(int code, String text) throws IOException {
        Files.writeString(qq.resolve("exit"), String.valueOf(code));
        if (text != null) Files.writeString(qq.resolve("text"), text);
    }

    public void discardMessages() throws IOException {
        Files.writeString(qq.resolve("discard"), "");
    }

    /** The environment of a connection from 127.0.0.1, queueing through the stub. */
    public Map<String, String> env(String... extra) {
        Map<String, String> env = new HashMap<>();
        env.put("PATH", System.getenv("PATH"));
        env.put("QMAILQUEUE", stub.toString());
        env.put("PROTO", "TCP");
        env.put("TCPREMOTEIP", "127.0.0.1");
        env.put("TCPLOCALIP", "127.0.0.1");
        env.put("TCPLOCALPORT", "25");
        env.put("TCPREMOTEPORT", "4242");
        for (int i = 0; i + 1 < extra.length; i += 2) {
            if (extra[i + 1] == null) env.remove(extra[i]); else env.put(extra[i], extra[i + 1]);
        }
        return env;
    }

    /** One queued message: its bytes and its envelope. */
    public record Queued(String message, String envelope) { }

    public List<Queued> queued() throws IOException {
        List<Queued> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(qq)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".msg")).sorted().toList()) {
                String base = p.toString().substring(0, p.toString().length() - 4);
                out.add(new Queued(Files.readString(p, StandardCharsets.ISO_8859_1),
                        Files.readString(Path.of(base + ".env"), StandardCharsets.ISO_8859_1)));
            }
        }
        return out;
    }

    /** Files of the stub other than its settings and finished messages: must stay empty. */
    public List<Path> leftovers() throws IOException {
        try (Stream<Path> s = Files.list(qq)) {
            return s.filter(p -> p.toString().contains(".tmp")).toList();
        }
    }
}
