package org.qmailj.common.sys;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Shared plumbing for the downcalls of this package: the linker, errno capture, C strings.
 *
 * <p>Each facade class keeps its own method handles in a private nested holder class, so a
 * program only links the calls it uses. Measured without an AOT cache: the first downcall
 * handle of a JVM costs ~50 ms, each new C signature ~5 ms, another handle of a known
 * signature ~0.1 ms; an AOT cache takes roughly half of that away.
 *
 * <p>The restricted FFM methods (linking, reinterpreting C pointers) are used here and, for
 * one struct field, in {@link Passwd}; nowhere else in the project.
 */
@SuppressWarnings("restricted")
final class Native {
    static final Linker LINKER = Linker.nativeLinker();
    static final SymbolLookup LIBC = LINKER.defaultLookup();

    static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
    static final ValueLayout.OfLong C_LONG = ValueLayout.JAVA_LONG;
    static final ValueLayout.OfShort C_SHORT = ValueLayout.JAVA_SHORT;
    static final AddressLayout C_POINTER = ValueLayout.ADDRESS;

    /** Where the linker stores errno right after the call, before the JVM can clobber it. */
    static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    /** Linked on the first error only. */
    private static final class Strerror {
        static final MethodHandle STRERROR =
                call("strerror", FunctionDescriptor.of(C_POINTER, C_INT));
    }

    private Native() {
    }

    /** A handle whose first parameter is a {@link #CAPTURE} segment receiving errno. */
    static MethodHandle errnoCall(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(symbol(name), descriptor, CAPTURE_ERRNO);
    }

    /** {@link #errnoCall} for a variadic C function whose variadic arguments start at {@code firstVariadic}. */
    static MethodHandle variadicErrnoCall(String name, FunctionDescriptor descriptor, int firstVariadic) {
        return LINKER.downcallHandle(symbol(name), descriptor, CAPTURE_ERRNO,
                Linker.Option.firstVariadicArg(firstVariadic));
    }

    /** A handle for a call that reports failure in its return value, not errno. */
    static MethodHandle call(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(symbol(name), descriptor);
    }

    /** Like {@link #call} but null when libc lacks the symbol (e.g. a glibc extension). */
    static MethodHandle optionalCall(String name, FunctionDescriptor descriptor) {
        return LIBC.find(name).map(s -> LINKER.downcallHandle(s, descriptor)).orElse(null);
    }

    private static MemorySegment symbol(String name) {
        return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc lacks " + name));
    }

    static MemorySegment errnoState(Arena arena) {
        return arena.allocate(CAPTURE);
    }

    static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    static SysException fail(String call, Object subject, MemorySegment state) {
        return new SysException(call, subject, errno(state));
    }

    static String strerror(int errno) {
        try {
            // glibc returns a static string for every known errno (per-thread buffer for
            // unknown ones); copy it at once.
            MemorySegment s = (MemorySegment) Strerror.STRERROR.invokeExact(errno);
            return s.reinterpret(Integer.MAX_VALUE).getString(0, StandardCharsets.UTF_8);
        } catch (Throwable t) {
            throw unchecked(t);
        }
    }

    static MemorySegment cString(Arena arena, String s) {
        if (s.indexOf('\0') >= 0) {
            // C would silently truncate at the NUL: refuse instead of acting on another name.
            throw new IllegalArgumentException("NUL byte in C string argument");
        }
        return arena.allocateFrom(s, StandardCharsets.UTF_8);
    }

    /**
     * A file name given as qmail's bytes (a String of ISO-8859-1 chars, one per byte, as
     * envelope addresses are held), NUL-terminated byte for byte: no charset of the JVM's
     * locale in between, so a UTF-8 address extension names the file whose bytes it is.
     */
    static MemorySegment cBytes(Arena arena, String bytes) {
        if (bytes.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("NUL byte in C string argument");
        }
        byte[] b = bytes.getBytes(StandardCharsets.ISO_8859_1);
        MemorySegment m = arena.allocate(b.length + 1L);
        MemorySegment.copy(b, 0, m, ValueLayout.JAVA_BYTE, 0, b.length);
        m.set(ValueLayout.JAVA_BYTE, b.length, (byte) 0);
        return m;
    }

    static String fromCString(MemorySegment pointer) {
        if (pointer.equals(MemorySegment.NULL)) {
            return null;
        }
        return pointer.reinterpret(Integer.MAX_VALUE).getString(0, StandardCharsets.UTF_8);
    }

    /** A NULL-terminated {@code char *[]} as execve and posix_spawn take for argv and envp. */
    static MemorySegment cStringArray(Arena arena, List<String> strings) {
        MemorySegment array = arena.allocate(C_POINTER, strings.size() + 1L);
        for (int i = 0; i < strings.size(); i++) {
            array.setAtIndex(C_POINTER, i, cString(arena, strings.get(i)));
        }
        array.setAtIndex(C_POINTER, strings.size(), MemorySegment.NULL);
        return array;
    }

    /**
     * For {@code catch (Throwable t) { throw Native.rethrow(t); }} around invokeExact: passes a
     * SysException back to be thrown, rethrows unchecked ones unchanged.
     */
    static SysException rethrow(Throwable t) {
        if (t instanceof SysException e) {
            return e;
        }
        throw unchecked(t);
    }

    /** As {@link #rethrow} for calls that cannot fail with a SysException. */
    static RuntimeException unchecked(Throwable t) {
        if (t instanceof RuntimeException e) {
            throw e;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new AssertionError("unexpected checked exception from a downcall", t);
    }
}
