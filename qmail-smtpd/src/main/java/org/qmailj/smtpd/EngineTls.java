package org.qmailj.smtpd;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;

/**
 * TLS over a pair of plain streams, through an SSLEngine: how {@link FdWire} (descriptors 0
 * and 1, no socket to layer an SSLSocket on) does STARTTLS. The network buffers are the
 * engine's packet size (~16.7 KiB) each, the plain-text buffer its application size. Used by
 * the session's one thread.
 */
final class EngineTls {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    private final SSLEngine engine;
    private final InputStream rawIn;
    private final OutputStream rawOut;
    /** Network bytes read and not yet unwrapped; kept ready to read (flipped). */
    private ByteBuffer netIn;
    private final ByteBuffer netOut;
    /** Plain text unwrapped and not yet read; kept ready to read (flipped). */
    private ByteBuffer appIn;

    EngineTls(SSLEngine engine, InputStream rawIn, OutputStream rawOut) {
        this.engine = engine;
        this.rawIn = rawIn;
        this.rawOut = rawOut;
        int packet = engine.getSession().getPacketBufferSize();
        this.netIn = ByteBuffer.allocate(packet).flip();
        this.netOut = ByteBuffer.allocate(packet);
        this.appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize()).flip();
    }

    /** The server side of the handshake; SocketTimeoutException once {@code timeoutNanos} have passed. */
    TlsInfo handshake(long timeoutNanos) throws IOException {
        long deadline = System.nanoTime() + timeoutNanos;
        engine.beginHandshake();
        while (true) {
            if (System.nanoTime() - deadline > 0) throw new SocketTimeoutException("TLS handshake took too long");
            switch (engine.getHandshakeStatus()) {
                case NEED_WRAP -> wrap(EMPTY);
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    if (!unwrap()) throw new EOFException("end of input during the TLS handshake");
                }
                case NEED_TASK -> tasks();
                case FINISHED, NOT_HANDSHAKING -> {
                    return new TlsInfo(engine.getSession().getProtocol(), engine.getSession().getCipherSuite());
                }
            }
        }
    }

    private void tasks() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) task.run();
    }

    /** Wraps all of {@code src} (or one handshake message for EMPTY) and writes it out. */
    private void wrap(ByteBuffer src) throws IOException {
        do {
            netOut.clear();
            SSLEngineResult r = engine.wrap(src, netOut);
            if (r.getStatus() == SSLEngineResult.Status.CLOSED) throw new SSLException("TLS closed");
            if (r.getStatus() != SSLEngineResult.Status.OK) throw new SSLException("wrap: " + r.getStatus());
            rawOut.write(netOut.array(), 0, netOut.position());
            if (r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) tasks();
        } while (src.hasRemaining());
        rawOut.flush();
    }

    /**
     * One step of unwrapping: network bytes into appIn (reading the network when a record is
     * incomplete). False at the end of input or of TLS.
     */
    private boolean unwrap() throws IOException {
        while (true) {
            appIn.compact();
            SSLEngineResult r;
            try {
                r = engine.unwrap(netIn, appIn);
            } finally {
                appIn.flip();
            }
            switch (r.getStatus()) {
                case OK -> {
                    if (r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) tasks();
                    return true;
                }
                case CLOSED -> {
                    return false;
                }
                case BUFFER_OVERFLOW -> {
                    if (appIn.hasRemaining()) return true; // let the reader take what is there first
                    appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize()).flip();
                }
                case BUFFER_UNDERFLOW -> {
                    if (!readNet()) return false;
                }
            }
        }
    }

    private boolean readNet() throws IOException {
        netIn.compact();
        if (!netIn.hasRemaining()) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(netIn.capacity() * 2, engine.getSession().getPacketBufferSize()));
            netIn.flip();
            bigger.put(netIn);
            netIn = bigger;
        }
        int n = rawIn.read(netIn.array(), netIn.position(), netIn.remaining());
        if (n > 0) netIn.position(netIn.position() + n);
        netIn.flip();
        return n > 0;
    }

    final InputStream in = new InputStream() {
        @Override
        public int read() throws IOException {
            byte[] b = new byte[1];
            return read(b, 0, 1) <= 0 ? -1 : b[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            while (!appIn.hasRemaining()) {
                if (!unwrap()) return -1;
                // TLS 1.3 post-handshake messages (key update) may want an answer.
                while (engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP) wrap(EMPTY);
                if (engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) tasks();
            }
            int n = Math.min(len, appIn.remaining());
            appIn.get(b, off, n);
            return n;
        }
    };

    final OutputStream out = new OutputStream() {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len > 0) wrap(ByteBuffer.wrap(b, off, len));
        }
    };
}
