package org.qmailj.supervise;

/**
 * svscan-inprocess - svscan(8) with every supervise inside this one JVM.
 *
 * <p>Same arguments, scanning and log pipes as {@link Svscan}, and per service the same
 * {@code supervise/status}, {@code control}, {@code ok} and {@code lock} as the supervise
 * program keeps, so svc, svok and svstat (ours or daemontools') work unchanged. What
 * differs: there is no supervise process per service (one JVM of ~50 MB instead of one per
 * service), and if this process dies, supervision of every service stops with it until it is
 * restarted. On TERM it therefore takes every service down before it exits (see
 * {@code Svscan.terminate}); killed outright, it leaves the ./run processes running and a
 * restarted scan starts new ones, as after a crash of daemontools' supervise (systemd's
 * default KillMode=control-group ends them first when the unit restarts).
 *
 * <p>Threads: the scan on the main thread; per service, one event-loop thread, one control
 * fifo reader and one waiter per running ./run (platform threads: they block in native
 * calls).
 */
public final class SvscanInProcess {
    private SvscanInProcess() {
    }

    public static void main(String[] args) {
        org.qmailj.common.FailFast.install("svscan");
        Svscan.scan(args, true);
    }
}
