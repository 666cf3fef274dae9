package org.qmailj.smtpd;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.qmailj.common.sys.Fd;
import org.qmailj.common.sys.Proc;
import org.qmailj.common.sys.Spawn;
import org.qmailj.common.sys.SysException;

/**
 * The checkpassword interface, as qmail-popup uses it: the program gets
 * {@code user\0password\0timestamp\0} on descriptor 3 and exits 0 when the password is right
 * (a real checkpassword then runs its own argument, e.g. /bin/true). Descriptors 0 and 1 are
 * /dev/null (the connection is not the program's business), 2 is the server's log.
 *
 * <p>It runs inside tcpserver's JVM on a session's virtual thread, so the child is not waited
 * for with a blocking waitpid (which would pin a carrier): it is polled, the thread sleeping
 * between polls, and killed (SIGKILL) once it has run longer than the session timeout.
 */
final class Checkpassword {
    private final List<String> argv;
    private final Map<String, String> env;
    private final long timeoutNanos;

    Checkpassword(List<String> argv, Map<String, String> env, int timeoutSeconds) {
        this.argv = List.copyOf(argv);
        this.env = env;
        this.timeoutNanos = timeoutSeconds * 1_000_000_000L;
    }

    /** The program from $AUTHPROGRAM, else control/authprogram: a command line split at white space. */
    static Optional<List<String>> commandLine(Optional<String> controlLine, Map<String, String> env) {
        String line = env.getOrDefault("AUTHPROGRAM", controlLine.orElse(""));
        if (line.isBlank()) return Optional.empty(); // the usual case: no regex per session
        return Optional.of(List.of(line.trim().split("\\s+")));
    }

    /** True when the program accepts {@code user} and {@code password}. */
    boolean check(byte[] user, byte[] password) {
        ByteArrayOutputStream fd3 = new ByteArrayOutputStream(user.length + password.length + 3);
        fd3.writeBytes(user);
        fd3.write(0);
        fd3.writeBytes(password);
        fd3.write(0);
        fd3.write(0); // no timestamp: PLAIN and LOGIN have no challenge
        byte[] data = fd3.toByteArray();
        java.util.Arrays.fill(password, (byte) 0);
        Fd.Pipe pipe;
        try {
            pipe = Fd.pipe();
        } catch (SysException e) {
            return false;
        }
        long pid;
        try {
            pid = Spawn.spawn(Spawn.findProgram(argv.getFirst(), env.get("PATH")).orElse(argv.getFirst()), argv, env, List.of(
                    new Spawn.FdAction.Open(0, Path.of("/dev/null"), Fd.O_RDONLY, 0),
                    new Spawn.FdAction.Open(1, Path.of("/dev/null"), Fd.O_WRONLY, 0),
                    new Spawn.FdAction.Dup2(2, 2), new Spawn.FdAction.Dup2(pipe.read(), 3)));
        } catch (SysException e) {
            Fd.closeQuietly(pipe.read(), pipe.write());
            return false;
        }
        Fd.closeQuietly(pipe.read());
        try {
            // At most ~2 KiB: fits in the pipe's buffer, so this write never blocks.
            for (int off = 0; off < data.length; ) off += Fd.write(pipe.write(), data, off, data.length - off);
        } catch (SysException e) {
            // the program ended without reading: its exit status says how it went
        } finally {
            java.util.Arrays.fill(data, (byte) 0);
            Fd.closeQuietly(pipe.write());
        }
        return reap(pid).map(s -> s.exited() && s.exitCode() == 0).orElse(false);
    }

    /** Polls for the child's end, sleeping 1 ms growing to 50 ms; kills it at the timeout. */
    private Optional<Spawn.WaitStatus> reap(long pid) {
        long deadline = System.nanoTime() + timeoutNanos;
        long nap = 1;
        boolean killed = false;
        try {
            while (true) {
                Optional<Spawn.WaitStatus> s = Spawn.waitNoHang(pid);
                if (s.isPresent()) return killed ? Optional.empty() : s;
                if (!killed && System.nanoTime() - deadline > 0) {
                    Proc.kill(pid, Proc.SIGKILL);
                    killed = true;
                }
                try {
                    Thread.sleep(nap);
                } catch (InterruptedException e) {
                    Proc.kill(pid, Proc.SIGKILL);
                    killed = true;
                }
                nap = Math.min(nap * 2, 50);
            }
        } catch (SysException e) {
            return Optional.empty(); // ECHILD: someone else reaped it; not a success
        }
    }
}
