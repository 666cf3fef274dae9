package org.qmailj.local;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.qmailj.common.Exit;

/**
 * preline - prepend lines to message (preline(1)): runs the command with $UFLINE, $RPLINE
 * and $DTLINE (less those -f, -r, -d leave out) in front of the message on its stdin, and
 * exits with its exit code (111 if it crashed).
 */
public final class Preline {
    private Preline() {
    }

    public static void main(String[] args) {
        boolean uf = true;
        boolean rp = true;
        boolean dt = true;
        int i = 0;
        for (; i < args.length && args[i].startsWith("-") && args[i].length() > 1; i++) {
            if (args[i].equals("--")) {
                i++;
                break;
            }
            for (char c : args[i].substring(1).toCharArray()) {
                switch (c) {
                    case 'f' -> uf = false;
                    case 'r' -> rp = false;
                    case 'd' -> dt = false;
                    default -> HelperSupport.die(100, "preline: usage: preline cmd [ arg ... ]");
                }
            }
        }
        if (i >= args.length) HelperSupport.die(100, "preline: usage: preline cmd [ arg ... ]");
        String ufline = HelperSupport.env("preline", "UFLINE");
        String rpline = HelperSupport.env("preline", "RPLINE");
        String dtline = HelperSupport.env("preline", "DTLINE");
        String head = (uf ? ufline : "") + (rp ? rpline : "") + (dt ? dtline : "");
        HelperSupport.Ended e = HelperSupport.run("preline", Arrays.asList(args).subList(i, args.length), null,
                head.getBytes(StandardCharsets.ISO_8859_1));
        if (e.crashed()) HelperSupport.die(111, "preline: fatal: child crashed");
        Exit.now(e.exit());
    }
}
