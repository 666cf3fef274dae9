package org.qmailj.local;

import java.util.Arrays;
import org.qmailj.common.Exit;

/**
 * bouncesaying - perhaps bounce each incoming message (bouncesaying(1)): without a program,
 * prints error and exits 100; with one, runs it on the message: exit 0 → print error and exit
 * 100; 111 (or a crash) → 111; anything else → 0.
 */
public final class Bouncesaying {
    private Bouncesaying() {
    }

    public static void main(String[] args) {
        if (args.length < 1) HelperSupport.die(100, "bouncesaying: usage: bouncesaying error [ program [ arg ... ] ]");
        if (args.length > 1) {
            HelperSupport.Ended e = HelperSupport.run("bouncesaying", Arrays.asList(args).subList(1, args.length), null, null);
            if (e.crashed()) HelperSupport.die(111, "bouncesaying: fatal: child crashed");
            if (e.exit() == 111) HelperSupport.die(111, "bouncesaying: fatal: temporary child error");
            if (e.exit() != 0) Exit.now(0);
        }
        HelperSupport.die(100, args[0]);
    }
}
