package org.qmailj.tcpserver;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;
import org.qmailj.smtpd.Wire;

/**
 * recordio(1) in-process: the connection's wire is wrapped so that every read from the client
 * and every write to it is recorded on tcpserver's descriptor 2 ({@link Recorder}'s lines),
 * with the connection's number where recordio puts the program's pid. Packets are the
 * session's reads and writes, cut at 256 bytes as recordio's buffer cuts them. As recordio,
 * "> [EOF]" ends the record when the program is done; "< [EOF]" appears if the client closed
 * its side first.
 */
public final class RecordioStage implements Wrapper {
    @Override
    public String name() {
        return "recordio";
    }

    @Override
    public Optional<Parsed> parse(List<String> argv) {
        if (argv.size() < 2) return Optional.empty();
        Stage stage = (c, next) -> {
            String pid = Long.toString(c.id);
            Wire inner = c.wire;
            c.wire = new RecordingWire(inner, c, pid);
            try {
                return next.run(c);
            } finally {
                c.bytes(Recorder.eof(pid, Recorder.OUT));
                c.wire = inner;
            }
        };
        return Optional.of(new Parsed(stage, argv.subList(1, argv.size())));
    }

    private static final class RecordingWire implements Wire {
        private final Wire inner;
        private final InputStream in;
        private final OutputStream out;

        RecordingWire(Wire inner, Connection c, String pid) {
            this.inner = inner;
            InputStream rawIn = inner.in();
            OutputStream rawOut = inner.out();
            this.in = new InputStream() {
                private boolean eof;

                @Override
                public int read() throws IOException {
                    byte[] b = new byte[1];
                    return read(b, 0, 1) <= 0 ? -1 : b[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    if (eof) return -1;
                    int n = rawIn.read(b, off, Math.min(len, Recorder.PACKET));
                    if (n > 0) {
                        c.bytes(Recorder.packet(pid, Recorder.IN, b, off, n));
                    } else if (n < 0) {
                        eof = true;
                        c.bytes(Recorder.eof(pid, Recorder.IN));
                    }
                    return n;
                }
            };
            this.out = new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    while (len > 0) {
                        int n = Math.min(len, Recorder.PACKET);
                        c.bytes(Recorder.packet(pid, Recorder.OUT, b, off, n));
                        rawOut.write(b, off, n);
                        off += n;
                        len -= n;
                    }
                }

                @Override
                public void flush() throws IOException {
                    rawOut.flush();
                }
            };
        }

        @Override
        public InputStream in() {
            return in;
        }

        @Override
        public OutputStream out() {
            return out;
        }

        @Override
        public void timeout(int seconds) {
            inner.timeout(seconds);
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
