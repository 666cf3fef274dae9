package org.qmailj.common.sys;

import static org.qmailj.common.sys.Native.C_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Dropping privileges, as qmail's {@code prot.c}: setgroups, setgid, setuid.
 *
 * <p>These go through the glibc wrappers, which apply the change to every thread of the
 * process (glibc signals each thread to make the syscall; the raw syscall would change only
 * the calling thread and leave the JVM's other threads as root). Even so, call them as the
 * first act of main(), before opening files or starting threads of your own: a descriptor
 * opened as root stays usable after the drop. Do not switch uid back and forth in a running
 * JVM (STYLE.md principle 7).
 *
 * <p>Errors throw {@link SysException} (EPERM when not privileged).
 */
public final class Prot {
    // A holder class per C function: each downcall handle is linked at its first use (see Fd).
    private static final class Setgroups {
        static final Native.Fn H = Native.fn("setgroups");
    }

    private static final class Setgid {
        static final Native.Fn H = Native.fn("setgid");
    }

    private static final class Setuid {
        static final Native.Fn H = Native.fn("setuid");
    }

    private Prot() {
    }

    /**
     * qmail's prot_gid: supplementary groups become just {@code gid}, then setgid(gid) sets
     * the real, effective and saved gid.
     */
    public static void gid(int gid) throws SysException {
        groups(new int[] {gid});
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            if ((int) Setgid.H.call(st, gid) == -1) {
                throw Native.fail("setgid", gid, st);
            }
        }
    }

    /** setgroups(2): the supplementary group list becomes exactly {@code gids}. */
    public static void groups(int[] gids) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            MemorySegment list = gids.length == 0
                    ? MemorySegment.NULL : arena.allocateFrom(C_INT, gids);
            if ((int) Setgroups.H.call(st, gids.length, Native.ptr(list)) == -1) {
                throw Native.fail("setgroups", Arrays.toString(gids), st);
            }
        }
    }

    /** qmail's prot_uid: setuid(uid); as root this sets real, effective and saved uid. */
    public static void uid(int uid) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = Native.errnoState(arena);
            if ((int) Setuid.H.call(st, uid) == -1) {
                throw Native.fail("setuid", uid, st);
            }
        }
    }

    /**
     * Becomes {@code uid}/{@code gid} for good: {@link #gid} then {@link #uid}, then checks
     * getuid, geteuid, getgid and getegid report them. A mismatch throws (errno EPERM): a
     * daemon must not go on with privileges it meant to shed.
     */
    public static void dropTo(int uid, int gid) throws SysException {
        gid(gid);
        uid(uid);
        int ruid = Proc.getuid();
        int euid = Proc.geteuid();
        int rgid = Proc.getgid();
        int egid = Proc.getegid();
        if (ruid != uid || euid != uid || rgid != gid || egid != gid) {
            throw new SysException("setuid",
                    uid + "/" + gid + " did not take effect (uid " + ruid + " euid " + euid
                            + " gid " + rgid + " egid " + egid + ")",
                    Errno.EPERM);
        }
    }
}
