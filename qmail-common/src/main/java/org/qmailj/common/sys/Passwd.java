package org.qmailj.common.sys;

import static org.qmailj.common.sys.Native.C_INT;
import static org.qmailj.common.sys.Native.C_POINTER;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The user and group databases through glibc (so NSS modules apply, as for qmail-getpw and
 * qmail-lspawn): getpwnam_r, getpwuid_r, getgrnam_r, getgrouplist.
 *
 * <p>"Not found" is an empty Optional; any other failure (a broken NSS source, EIO, ENOMEM)
 * throws {@link SysException} so the caller can defer the delivery, as qmail-getpw exits
 * QLX_SYS. The reentrant variants are used, with a buffer that doubles on ERANGE, so the
 * calls are thread-safe. They may block on a network NSS source: pins a virtual thread's
 * carrier.
 */
public final class Passwd {
    /** A struct passwd. uid and gid are C's unsigned ids held in an int. */
    public record PasswdEntry(String name, int uid, int gid, String gecos, String home,
            String shell) {
    }

    /** A struct group. */
    public record GroupEntry(String name, int gid, List<String> members) {
        public GroupEntry {
            members = List.copyOf(members);
        }
    }

    // struct passwd { char *pw_name; char *pw_passwd; uid_t pw_uid; gid_t pw_gid;
    //                 char *pw_gecos; char *pw_dir; char *pw_shell; }
    private static final StructLayout PASSWD = MemoryLayout.structLayout(
            C_POINTER.withName("pw_name"), C_POINTER.withName("pw_passwd"),
            C_INT.withName("pw_uid"), C_INT.withName("pw_gid"),
            C_POINTER.withName("pw_gecos"), C_POINTER.withName("pw_dir"),
            C_POINTER.withName("pw_shell"));
    // struct group { char *gr_name; char *gr_passwd; gid_t gr_gid; char **gr_mem; }
    private static final StructLayout GROUP = MemoryLayout.structLayout(
            C_POINTER.withName("gr_name"), C_POINTER.withName("gr_passwd"),
            C_INT.withName("gr_gid"), MemoryLayout.paddingLayout(4),
            C_POINTER.withName("gr_mem"));

    static final int INITIAL_BUFFER = 1024;
    private static final int MAX_BUFFER = 64 << 20;

    // A holder class per C function: each downcall handle is linked at its first use (see Fd).
    private static final class GetpwnamR {
        static final Native.Fn H = Native.fn("getpwnam_r");
    }

    private static final class GetpwuidR {
        static final Native.Fn H = Native.fn("getpwuid_r");
    }

    private static final class GetgrnamR {
        static final Native.Fn H = Native.fn("getgrnam_r");
    }

    private static final class Getgrouplist {
        static final Native.Fn H = Native.fn("getgrouplist");
    }

    private Passwd() {
    }

    /** getpwnam_r(3). */
    public static Optional<PasswdEntry> getpwnam(String name) throws SysException {
        return getpwnam(name, INITIAL_BUFFER);
    }

    static Optional<PasswdEntry> getpwnam(String name, int initialBuffer) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cname = Native.cString(arena, name);
            return lookup("getpwnam_r", name, initialBuffer, PASSWD, Passwd::passwd,
                    (pwd, buf, result) -> (int) GetpwnamR.H.call(Native.NO_ERRNO, Native.ptr(cname),
                            Native.ptr(pwd), Native.ptr(buf), buf.byteSize(), Native.ptr(result)));
        }
    }

    /** getpwuid_r(3). */
    public static Optional<PasswdEntry> getpwuid(int uid) throws SysException {
        return lookup("getpwuid_r", uid, INITIAL_BUFFER, PASSWD, Passwd::passwd,
                (pwd, buf, result) -> (int) GetpwuidR.H.call(Native.NO_ERRNO, uid,
                        Native.ptr(pwd), Native.ptr(buf), buf.byteSize(), Native.ptr(result)));
    }

    /** getgrnam_r(3). */
    public static Optional<GroupEntry> getgrnam(String name) throws SysException {
        return getgrnam(name, INITIAL_BUFFER);
    }

    static Optional<GroupEntry> getgrnam(String name, int initialBuffer) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cname = Native.cString(arena, name);
            return lookup("getgrnam_r", name, initialBuffer, GROUP, Passwd::group,
                    (grp, buf, result) -> (int) GetgrnamR.H.call(Native.NO_ERRNO, Native.ptr(cname),
                            Native.ptr(grp), Native.ptr(buf), buf.byteSize(), Native.ptr(result)));
        }
    }

    /**
     * getgrouplist(3): {@code gid} plus every group listing {@code user} as a member, as
     * initgroups would install them.
     */
    public static int[] getgrouplist(String user, int gid) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cuser = Native.cString(arena, user);
            MemorySegment count = arena.allocate(C_INT);
            int size = 32;
            while (true) {
                MemorySegment groups = arena.allocate(C_INT, size);
                count.set(C_INT, 0, size);
                int rc = (int) Getgrouplist.H.call(Native.NO_ERRNO, Native.ptr(cuser), gid,
                        Native.ptr(groups), Native.ptr(count));
                int n = count.get(C_INT, 0);
                if (rc >= 0) {
                    return groups.asSlice(0, (long) n * Integer.BYTES).toArray(C_INT);
                }
                // -1: the array was too small and n is how many there are. glibc can also
                // fail for lack of memory without raising n; cap the growth.
                if (size >= 1 << 20) {
                    throw new SysException("getgrouplist", user, Errno.ENOMEM);
                }
                size = Math.max(n, size * 2);
            }
        }
    }

    @FunctionalInterface
    private interface ReentrantCall {
        int call(MemorySegment struct, MemorySegment buf, MemorySegment result);
    }

    private static <T> Optional<T> lookup(String call, Object key, int initialBuffer,
            StructLayout layout, java.util.function.Function<MemorySegment, T> decode,
            ReentrantCall fn) throws SysException {
        int size = initialBuffer;
        while (true) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment struct = arena.allocate(layout);
                MemorySegment buf = arena.allocate(size);
                MemorySegment result = arena.allocate(C_POINTER);
                // The *_r calls return the error number rather than setting errno.
                int rc = fn.call(struct, buf, result);
                if (rc == Errno.ERANGE && size < MAX_BUFFER) {
                    size *= 2;
                    continue;
                }
                if (rc != 0) {
                    throw new SysException(call, key, rc);
                }
                if (result.get(C_POINTER, 0).equals(MemorySegment.NULL)) {
                    return Optional.empty();
                }
                return Optional.of(decode.apply(struct));
            }
        }
    }

    private static PasswdEntry passwd(MemorySegment pw) {
        return new PasswdEntry(
                string(pw, "pw_name"),
                pw.get(C_INT, PASSWD.byteOffset(MemoryLayout.PathElement.groupElement("pw_uid"))),
                pw.get(C_INT, PASSWD.byteOffset(MemoryLayout.PathElement.groupElement("pw_gid"))),
                string(pw, "pw_gecos"),
                string(pw, "pw_dir"),
                string(pw, "pw_shell"));
    }

    @SuppressWarnings("restricted") // gr_mem is a C array of unknown length
    private static GroupEntry group(MemorySegment gr) {
        long memOffset = GROUP.byteOffset(MemoryLayout.PathElement.groupElement("gr_mem"));
        MemorySegment mem = gr.get(C_POINTER, memOffset).reinterpret(Long.MAX_VALUE);
        List<String> members = new ArrayList<>();
        for (long i = 0; !mem.equals(MemorySegment.NULL); i++) {
            MemorySegment m = mem.getAtIndex(C_POINTER, i);
            if (m.equals(MemorySegment.NULL)) {
                break;
            }
            members.add(Native.fromCString(m));
        }
        return new GroupEntry(
                Native.fromCString(gr.get(C_POINTER, 0)),
                gr.get(C_INT, GROUP.byteOffset(MemoryLayout.PathElement.groupElement("gr_gid"))),
                members);
    }

    private static String string(MemorySegment struct, String field) {
        long offset = PASSWD.byteOffset(MemoryLayout.PathElement.groupElement(field));
        String s = Native.fromCString(struct.get(C_POINTER, offset));
        return s == null ? "" : s;
    }
}
