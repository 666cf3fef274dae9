package org.qmailj.common;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.qmailj.common.sys.Prot;

/**
 * Child JVM main for {@link PrivilegesTest}: {@code home role [preUid preGid]} optionally drops
 * to preUid/preGid first (a process that is not root, as in sandbox mode), then calls
 * {@link Privileges#become}; {@code -ids uid|- gid|-} calls {@link Privileges#becomeIds}
 * instead. Prints the Uid:, Gid: and Groups: lines of /proc/self/status.
 */
public final class BecomeChild {
    private BecomeChild() {}

    public static void main(String[] args) throws Exception {
        FailFast.install("become-child");
        if (args[0].equals("-ids")) {
            Privileges.becomeIds("become-child", opt(args[1]), opt(args[2]));
        } else {
            if (args.length > 2) Prot.dropTo(Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            Privileges.become("become-child", new QmailHome(Path.of(args[0])), Privileges.Role.valueOf(args[1]));
        }
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("Uid:") || l.startsWith("Gid:") || l.startsWith("Groups:")) System.out.println(l.replaceAll("\\s+", " ").trim());
        }
    }

    private static OptionalInt opt(String s) {
        return s.equals("-") ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(s));
    }
}
