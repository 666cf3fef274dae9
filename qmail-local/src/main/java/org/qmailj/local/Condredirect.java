package org.qmailj.local;

import java.util.Arrays;
import java.util.List;
import org.qmailj.common.Exit;

/**
 * condredirect - perhaps redirect mail to another address (condredirect(1)): feeds the
 * message to program; if it exits 0, forwards the message (with $DTLINE, from $NEWSENDER) to
 * newaddress and exits 99; 111 (or a crash) exits 111; anything else exits 0.
 */
public final class Condredirect {
    private Condredirect() {
    }

    public static void main(String[] args) {
        if (args.length < 2) HelperSupport.die(100, "condredirect: usage: condredirect newaddress program [ arg ... ]");
        String sender = HelperSupport.env("condredirect", "NEWSENDER");
        String dtline = HelperSupport.env("condredirect", "DTLINE");
        byte[] msg = HelperSupport.readStdin("condredirect");
        HelperSupport.Ended e = HelperSupport.run("condredirect", Arrays.asList(args).subList(1, args.length), msg, null);
        if (e.crashed()) HelperSupport.die(111, "condredirect: fatal: child crashed");
        if (e.exit() == 111) HelperSupport.die(111, "condredirect: fatal: temporary child error");
        if (e.exit() != 0) Exit.now(0);
        HelperSupport.forward("condredirect", sender, dtline, List.of(args[0]), msg);
        Exit.now(99);
    }
}
