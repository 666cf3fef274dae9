package org.qmailj.local;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.util.Optional;

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

    private static long position(FileChannel ch) {
        try {
            return ch.position();
        } catch (IOException e) {
            HelperSupport.die(111, "condredirect: fatal: unable to rewind input: " + e.getMessage());
            return 0;
        }
    }

    public static void main(String[] args) {
        if (args.length < 2) HelperSupport.die(100, "condredirect: usage: condredirect newaddress program [ arg ... ]");
        String sender = HelperSupport.env("condredirect", "NEWSENDER");
        String dtline = HelperSupport.env("condredirect", "DTLINE");
        List<String> program = Arrays.asList(args).subList(1, args.length);
        Optional<FileChannel> file = HelperSupport.seekableStdin();
        InputStream msg;
        HelperSupport.Ended e;
        if (file.isPresent()) {
            // The message file, as qmail-local gives it: the program reads it in place, then
            // it is rewound for the forward; never held in memory.
            FileChannel ch = file.get();
            long start = position(ch);
            e = HelperSupport.run("condredirect", program, null, null);
            try {
                ch.position(start);
            } catch (IOException x) {
                HelperSupport.die(111, "condredirect: fatal: unable to rewind input: " + x.getMessage());
            }
            msg = Channels.newInputStream(ch);
        } else {
            byte[] bytes = HelperSupport.readStdin("condredirect");
            e = HelperSupport.run("condredirect", program, bytes, null);
            msg = new ByteArrayInputStream(bytes);
        }
        if (e.crashed()) HelperSupport.die(111, "condredirect: fatal: child crashed");
        if (e.exit() == 111) HelperSupport.die(111, "condredirect: fatal: temporary child error");
        if (e.exit() != 0) Exit.now(0);
        HelperSupport.forward("condredirect", sender, dtline, List.of(args[0]), msg);
        Exit.now(99);
    }
}
