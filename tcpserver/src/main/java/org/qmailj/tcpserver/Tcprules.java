package org.qmailj.tcpserver;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.qmailj.common.Exit;
import org.qmailj.common.cdb.CdbWriter;

/**
 * tcprules - compiles rules for tcpserver (tcprules(1)). Reads rules on fd 0, writes them
 * to {@code tmp}, then renames {@code tmp} onto {@code cdb}; any problem leaves {@code cdb}
 * alone. Exit 100 for usage and bad lines, 111 for system errors.
 */
public final class Tcprules {
    private Tcprules() { }

    public static void main(String[] args) {
        Exit.now(run(args));
    }

    static int run(String[] args) {
        if (args.length < 2) {
            System.err.print("tcprules: usage: tcprules rules.cdb rules.tmp\n");
            return 100;
        }
        byte[] input;
        try {
            input = System.in.readAllBytes();
        } catch (IOException e) {
            System.err.print("tcprules: fatal: unable to read input: " + e.getMessage() + "\n");
            return 111;
        }
        CdbWriter cdb;
        try {
            cdb = CdbWriter.create(Path.of(args[0]), Path.of(args[1]));
        } catch (IOException e) {
            System.err.print("tcprules: fatal: unable to create " + args[1] + ": " + e.getMessage() + "\n");
            return 111;
        }
        try (cdb) {
            String text = new String(input, StandardCharsets.ISO_8859_1);
            int start = 0;
            while (start < text.length()) {
                int nl = text.indexOf('\n', start);
                int end = nl < 0 ? text.length() : nl;
                RuleCompiler.compile(text.substring(start, end), cdb);
                start = end + 1;
            }
            cdb.finish();
            return 0;
        } catch (RuleCompiler.BadLineException e) {
            System.err.print("tcprules: fatal: unable to parse this line: " + e.getMessage() + "\n");
            return 100;
        } catch (IOException e) {
            System.err.print("tcprules: fatal: unable to write " + args[1] + ": " + e.getMessage() + "\n");
            return 111;
        }
    }
}
