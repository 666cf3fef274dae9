package org.qmailj.common.sys;

import java.nio.file.Path;

/**
 * A syslog client socket: sends ready-made datagrams ({@code "<pri>tag: text"}, formatted by
 * splogger) to a syslog daemon's AF_UNIX datagram socket, {@code /dev/log} by default.
 *
 * <p>Never blocks: a daemon that is stuck or slow makes {@link #send} return false (the line
 * is dropped) instead of stalling the log pipe, and therefore the daemon whose log it is.
 * When no daemon listens, send throws a {@link SysException} with ENOENT (no socket file) or
 * ECONNREFUSED (stale socket file); the socket is not connected, so each send looks the path
 * up afresh and picks up a restarted syslogd without reconnect logic.
 *
 * <p>Threads: send may be called from several threads.
 */
public final class Syslog implements AutoCloseable {
    public static final Path DEV_LOG = Path.of("/dev/log");

    private final UnixDatagram socket;
    private final Path path;

    private Syslog(UnixDatagram socket, Path path) {
        this.socket = socket;
        this.path = path;
    }

    /** A client for the syslog socket at {@code path}; nothing needs to listen yet. */
    public static Syslog open(Path path) throws SysException {
        return new Syslog(UnixDatagram.open(), path);
    }

    /**
     * Sends one datagram.
     *
     * @return true if the daemon's queue took it, false if it was full and the datagram was
     *     dropped
     * @throws SysException when nobody listens at the path (ENOENT, ECONNREFUSED) or the
     *     datagram is too large (EMSGSIZE)
     */
    public boolean send(byte[] datagram) throws SysException {
        return socket.sendTo(path, datagram);
    }

    @Override
    public void close() throws SysException {
        socket.close();
    }
}
