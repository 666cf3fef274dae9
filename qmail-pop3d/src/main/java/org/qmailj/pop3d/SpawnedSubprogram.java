package org.qmailj.pop3d;

import java.util.List;
import java.util.Map;
import org.qmailj.common.sys.Errno;
import org.qmailj.common.sys.Fd;
import org.qmailj.common.sys.Spawn;
import org.qmailj.common.sys.SysException;

/**
 * qmail-popup's child: {@code argv} run (PATH searched, as execvp) with this process's
 * descriptors 0 and 1, descriptor 2 a copy of 1 (qmail-popup's fd_copy(2,1): what the
 * subprogram says on stderr goes to the client) and descriptor 3 the read end of a pipe that
 * carries the checkpassword data. Waits for it on the calling (platform) thread.
 */
final class SpawnedSubprogram implements PopupSession.Subprogram {
    private final List<String> argv;
    private final Map<String, String> env;

    SpawnedSubprogram(List<String> argv, Map<String, String> env) {
        this.argv = List.copyOf(argv);
        this.env = env;
    }

    @Override
    public Spawn.WaitStatus run(byte[] fd3) throws PopupSession.SubprogramException {
        Fd.Pipe pipe;
        try {
            pipe = Fd.pipe();
        } catch (SysException e) {
            throw new PopupSession.SubprogramException(Reply.PIPE, e);
        }
        long pid;
        try {
            pid = Spawn.spawn(Spawn.findProgram(argv.getFirst(), env.get("PATH")).orElse(argv.getFirst()), argv, env, List.of(
                    new Spawn.FdAction.Dup2(0, 0), new Spawn.FdAction.Dup2(1, 1),
                    new Spawn.FdAction.Dup2(1, 2), new Spawn.FdAction.Dup2(pipe.read(), 3)));
        } catch (SysException e) {
            Fd.closeQuietly(pipe.read(), pipe.write());
            // qmail forks, and a child whose execvp fails exits 1: "authorization failed".
            if (e.errno() == Errno.EAGAIN || e.errno() == Errno.ENOMEM) {
                throw new PopupSession.SubprogramException(Reply.FORK, e);
            }
            return new Spawn.WaitStatus(0, 1 << 8);
        }
        Fd.closeQuietly(pipe.read());
        try {
            for (int off = 0; off < fd3.length; ) off += Fd.write(pipe.write(), fd3, off, fd3.length - off);
        } catch (SysException e) {
            // A subprogram that ends without reading descriptor 3 (EPIPE): qmail-popup says
            // "unable to write pipe" or reports the exit, depending on who runs first. Here
            // a failure is always reported as such; only a success that read nothing is odd.
            Spawn.WaitStatus status = reap(pid);
            if (status.signaled() || status.exitCode() != 0) return status;
            throw new PopupSession.SubprogramException(Reply.WRITE_PIPE, e);
        } finally {
            Fd.closeQuietly(pipe.write());
        }
        return reap(pid);
    }

    private static Spawn.WaitStatus reap(long pid) {
        try {
            return Spawn.waitpid(pid);
        } catch (SysException e) {
            // ECHILD cannot happen for our own child; treat it as a failed login.
            return new Spawn.WaitStatus(pid, 1 << 8);
        }
    }
}
