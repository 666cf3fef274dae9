package org.qmailj.local;

import java.util.Arrays;
import org.qmailj.common.Exit;

/**
 * except - reverse the exit code of a program (except(1)): program exits 0 → 100; 111 (or
 * a crash) → 111; anything else → 0.
 */
public final class Except {
    private Except() {
    }

    public static void main(String[] args) {
        if (args.length < 1) HelperSupport.die(100, "except: usage: except program [ arg ... ]");
        HelperSupport.Ended e = HelperSupport.run("except", Arrays.asList(args), null, null);
        if (e.crashed()) HelperSupport.die(111, "except: fatal: child crashed");
        Exit.now(switch (e.exit()) {
            case 0 -> 100;
            case 111 -> 111;
            default -> 0;
        });
    }
}
