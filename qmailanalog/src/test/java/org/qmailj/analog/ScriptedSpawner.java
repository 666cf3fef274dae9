package org.qmailj.analog;

import java.io.BufferedInputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.HashSet;
import java.util.Set;
import org.qmailj.common.spawn.SpawnProtocol;

/**
 * qmail-lspawn/qmail-rspawn for {@link RealLogTest}, speaking the spawn protocol on fds 0/1:
 * a recipient whose box starts with {@code fail} fails, {@code defer} is deferred the first
 * time and delivered the next, any other is delivered.
 */
public final class ScriptedSpawner {
    private ScriptedSpawner() {}

    public static void main(String[] args) throws IOException {
        SpawnProtocol p = SpawnProtocol.classic(10);
        OutputStream out = new FileOutputStream(FileDescriptor.out);
        BufferedInputStream in = new BufferedInputStream(System.in);
        out.write(p.helloBytes());
        out.flush();
        Set<String> deferred = new HashSet<>();
        SpawnProtocol.Command c;
        while ((c = p.readCommand(in)) != null) {
            String r = c.recipient();
            String box = r.substring(0, Math.max(0, r.lastIndexOf('@')));
            box = box.substring(box.lastIndexOf('-') + 1);
            String report;
            if (box.startsWith("fail")) report = "DSorry, no mailbox here by that name. (#5.1.1)\n";
            else if (box.startsWith("defer") && deferred.add(r)) report = "ZSorry, I couldn't find a mailbox. (#4.2.1)\n";
            else report = "Kdid 1+0+0\n";
            out.write(p.report(c.delnum(), report));
            out.flush();
        }
        Runtime.getRuntime().halt(0);
    }
}
