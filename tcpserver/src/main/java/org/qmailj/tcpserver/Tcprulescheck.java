package org.qmailj.tcpserver;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import org.qmailj.common.Exit;
import org.qmailj.common.cdb.Cdb;

/**
 * tcprulescheck - says what tcpserver will do with a connection from $TCPREMOTEIP
 * (default 0.0.0.0), $TCPREMOTEHOST and $TCPREMOTEINFO under the rules in cdb
 * (tcprulescheck(1)), in ucspi-tcp's words on fd 1.
 */
public final class Tcprulescheck {
    private Tcprulescheck() { }

    public static void main(String[] args) {
        StringBuilder out = new StringBuilder();
        int code = run(args, System.getenv(), out);
        System.out.print(out);
        System.out.flush();
        Exit.now(code);
    }

    static int run(String[] args, Map<String, String> env, StringBuilder out) {
        if (args.length < 1) {
            System.err.print("tcprulescheck: usage: tcprulescheck rules.cdb\n");
            return 100;
        }
        String ip = env.getOrDefault("TCPREMOTEIP", "0.0.0.0");
        String host = env.get("TCPREMOTEHOST");
        String info = env.get("TCPREMOTEINFO");
        Cdb cdb;
        try {
            cdb = Cdb.open(Path.of(args[0]));
        } catch (NoSuchFileException e) {
            System.err.print("tcprulescheck: fatal: unable to read " + args[0] + ": file does not exist\n");
            return 111;
        } catch (IOException e) {
            System.err.print("tcprulescheck: fatal: unable to read " + args[0] + ": " + e.getMessage() + "\n");
            return 111;
        }
        for (String key : Rules.keys(ip, host, info)) {
            var data = cdb.find(key.getBytes(StandardCharsets.ISO_8859_1));
            if (data.isEmpty()) continue;
            out.append("rule ").append(key).append(":\n");
            byte[] d = data.get();
            int start = 0;
            for (int i = 0; i < d.length; i++) {
                if (d[i] != 0) continue;
                String entry = new String(d, start, i - start, StandardCharsets.ISO_8859_1);
                start = i + 1;
                if (entry.startsWith("D")) {
                    out.append("deny connection\n");
                    return 0;
                }
                if (entry.startsWith("+")) out.append("set environment variable ").append(entry.substring(1)).append('\n');
            }
            out.append("allow connection\n");
            return 0;
        }
        out.append("default:\nallow connection\n");
        return 0;
    }
}
