package org.qmailj.smtpd;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.qmailj.common.Exit;
import org.qmailj.common.QmailHome;
import org.qmailj.common.control.ControlException;
import org.qmailj.common.control.ControlFile;
import org.qmailj.common.queue.Envelope;
import org.qmailj.common.queue.EnvelopeFormatException;
import org.qmailj.common.queue.QueueExit;

/**
 * qmail-qmqpc - queue a mail message via QMQP (qmail-qmqpc(8)). qmail-queue's interface:
 * the message on fd 0, the envelope on fd 1, exit codes of qmail-queue(8). It tries each
 * server of control/qmqpservers in turn (port 628) until one answers: K exits 0, Z 71, D 31.
 * No server reachable: 73 (refused) or 72 (timed out); a connection lost midway: 74.
 * Extension: a qmqpservers line may be {@code IP:PORT}.
 */
public final class QmailQmqpc {
    static final int PORT_QMQP = 628;

    private QmailQmqpc() { }

    public static void main(String[] args) {
        Exit.now(run(QmailHome.current(), new FileInputStream(FileDescriptor.in), new FileInputStream(FileDescriptor.out)));
    }

    static int run(QmailHome home, InputStream messageIn, InputStream envelopeIn) {
        List<String> servers;
        try {
            Optional<List<String>> s = ControlFile.readList(home.control().file("qmqpservers"));
            if (s.isEmpty()) return QueueExit.CONFIG.code();
            servers = s.get();
        } catch (ControlException e) {
            return QueueExit.CONFIG.code();
        }
        byte[] message;
        Envelope envelope;
        try {
            message = messageIn.readAllBytes();
            envelope = Envelope.read(new BufferedInputStream(envelopeIn));
        } catch (EnvelopeFormatException e) {
            return e.exit() == QueueExit.READ_ERROR ? QueueExit.ENVELOPE_FORMAT.code() : e.exit().code();
        } catch (IOException e) {
            return QueueExit.READ_ERROR.code();
        } catch (OutOfMemoryError e) {
            return QueueExit.NO_MEMORY.code();
        }
        ByteArrayOutputStream after = new ByteArrayOutputStream();
        after.writeBytes(Netstring.encode(envelope.sender()));
        for (String r : envelope.recipients()) after.writeBytes(Netstring.encode(r));
        byte[] before = (message.length + ":").getBytes(StandardCharsets.ISO_8859_1);
        long total = before.length + (long) message.length + 1 + after.size();
        int lasterror = QueueExit.CONFIG.code();
        for (String server : servers) {
            String host = server;
            int port = PORT_QMQP;
            int colon = server.indexOf(':');
            if (colon >= 0) {
                host = server.substring(0, colon);
                try {
                    port = Integer.parseInt(server.substring(colon + 1));
                } catch (NumberFormatException e) {
                    continue;
                }
            }
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress(host, port), 10_000);
            } catch (SocketTimeoutException e) {
                lasterror = QueueExit.CONNECT_TIMEOUT.code();
                close(s);
                continue;
            } catch (IOException | IllegalArgumentException e) {
                lasterror = QueueExit.CONNECT_REJECTED.code();
                close(s);
                continue;
            }
            try (s) {
                s.setSoTimeout(60_000);
                OutputStream out = new BufferedOutputStream(s.getOutputStream(), 65536);
                out.write((total + ":").getBytes(StandardCharsets.ISO_8859_1));
                out.write(before);
                out.write(message);
                out.write(',');
                after.writeTo(out);
                out.write(',');
                out.flush();
                InputStream in = s.getInputStream();
                while (true) {
                    int ch = in.read();
                    if (ch < 0) return QueueExit.COMMUNICATION.code();
                    if (ch == 'K') return QueueExit.OK.code();
                    if (ch == 'Z') return QueueExit.TEMP_REFUSED.code();
                    if (ch == 'D') return QueueExit.PERM_REFUSED.code();
                }
            } catch (IOException e) {
                return QueueExit.COMMUNICATION.code();
            }
        }
        return lasterror;
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // nothing to release
        }
    }
}
