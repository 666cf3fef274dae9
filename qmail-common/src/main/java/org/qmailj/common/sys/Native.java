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
 * <p>Each facade class keeps its own functions in a private nested holder class, so a program
 * only links the calls it uses, and all are linked with one C shape ({@link #SHAPE}). Measured
 * without an AOT cache: the first downcall handle of a JVM costs ~50 ms, each new C shape
 * ~5 ms and ~0.4 MB of garbage, another handle of a known shape ~0.1 ms; an AOT cache takes
 * roughly half of the time away and none of the garbage.
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

    /**
     * The one C shape every downcall of this package is linked with: six integer arguments and
     * an integer result, each a 64-bit register, errno captured. The JDK links each distinct
     * shape on its own (it spins classes for it and compiles a stub): measured in a bare JVM,
     * ten handles of ten shapes allocate 6.9 MB at link time, ten of one shape 3.3 MB in about
     * half the time; an installed system idles at 140 MiB with one shape, 150.7 with a C
     * prototype per function. So C ints, sizes and pointers all travel as longs and a function
     * with fewer parameters gets zeros it does not read.
     *
     * <p>Why that is sound on the 64-bit Linux ABIs (x86-64 SysV, AArch64): the first six
     * integer arguments go in registers whatever the prototype, the caller cleans up, and a
     * callee reads only the low 32 bits of an int parameter (Java's int-to-long widening
     * leaves those bits as they were; a C short gets a small non-negative value, already
     * extended as x86-64 callers must). An int result fills only the low 32 bits of the return
     * register, so a caller casts the long back to int before looking at it; {@link Fn}'s
     * callers do. A pointer is passed as {@link MemorySegment#address()}: the segment must stay
     * alive for the call, which each caller's try-with-resources arena guarantees.
     */
    static final FunctionDescriptor SHAPE =
            FunctionDescriptor.of(C_LONG, C_LONG, C_LONG, C_LONG, C_LONG, C_LONG, C_LONG);

    /**
     * Where a function that reports failure in its result (not errno) has errno captured, since
     * every handle captures: shared by all threads, written by the linker, never read.
     */
    static final MemorySegment NO_ERRNO = Arena.global().allocate(CAPTURE);

    /**
     * A libc function linked with {@link #SHAPE}. {@code call} passes the arguments given and
     * zeros for the rest; its result is the return register: cast it to int for a C int.
     */
    record Fn(MethodHandle handle) {
        long call(MemorySegment errno, long a, long b, long c, long d, long e, long f) {
            try {
                return (long) handle.invokeExact(errno, a, b, c, d, e, f);
            } catch (Throwable t) {
                throw unchecked(t);
            }
        }

        long call(MemorySegment errno) {
            return call(errno, 0, 0, 0, 0, 0, 0);
        }

        long call(MemorySegment errno, long a) {
            return call(errno, a, 0, 0, 0, 0, 0);
        }

        long call(MemorySegment errno, long a, long b) {
            return call(errno, a, b, 0, 0, 0, 0);
        }

        long call(MemorySegment errno, long a, long b, long c) {
            return call(errno, a, b, c, 0, 0, 0);
        }

        long call(MemorySegment errno, long a, long b, long c, long d) {
            return call(errno, a, b, c, d, 0, 0);
        }

        long call(MemorySegment errno, long a, long b, long c, long d, long e) {
            return call(errno, a, b, c, d, e, 0);
        }
    }

    /** Linked on the first error only. */
    private static final class Strerror {
        static final Fn STRERROR = fn("strerror");
    }

    private Native() {
    }

    /** {@code name} from libc, linked with {@link #SHAPE}. */
    static Fn fn(String name) {
        return new Fn(LINKER.downcallHandle(symbol(name), SHAPE, CAPTURE_ERRNO));
    }

    /**
     * {@link #fn} for a variadic C function whose variadic arguments start at {@code firstVariadic}:
     * a shape of its own (x86-64 passes a variadic call's count of vector registers), so it
     * costs what a new shape costs.
     */
    static Fn variadicFn(String name, int firstVariadic) {
        return new Fn(LINKER.downcallHandle(symbol(name), SHAPE, CAPTURE_ERRNO,
                Linker.Option.firstVariadicArg(firstVariadic)));
    }

    /** Like {@link #fn} but null when libc lacks the symbol (e.g. a glibc extension). */
    static Fn optionalFn(String name) {
        return LIBC.find(name).map(s -> new Fn(LINKER.downcallHandle(s, SHAPE, CAPTURE_ERRNO))).orElse(null);
    }

    /**
     * The address of a C string, buffer or struct for {@link Fn#call}; 0 for NULL. Only native
     * memory has one: a heap segment's address() is an offset into its array, which C would
     * take for a pointer, so it is refused here as the linker refused it before.
     */
    static long ptr(MemorySegment segment) {
        if (!segment.isNative()) {
            throw new IllegalArgumentException("heap segment passed to C");
        }
        return segment.address();
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
        // glibc returns a static string for every known errno (per-thread buffer for
        // unknown ones); copy it at once.
        long s = Strerror.STRERROR.call(NO_ERRNO, errno);
        return MemorySegment.ofAddress(s).reinterpret(Integer.MAX_VALUE).getString(0, StandardCharsets.UTF_8);
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
