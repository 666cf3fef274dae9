package org.qmailj.local;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The protocol between qmail-lspawn and a warm qmail-local worker ({@link LocalWorker}).
 * Requests come on the worker's fd 0, an AF_UNIX SOCK_SEQPACKET socket, one packet each,
 * carrying the open message descriptor (SCM_RIGHTS): the worker runs as the user and could
 * not open the queue file itself. Responses go on the worker's fd 1, a pipe. Several
 * deliveries may be in flight at once; responses come back in any order, matched by id.
 *
 * <pre>
 * request  = id:u32 size:u64 argc:u32 (len:u32 byte*len){argc}    one packet, at most
 *            MAX_REQUEST bytes, with the message descriptor; size is the message's length
 *            (qmail-lspawn's fstat of the queue file, which does not change), so the worker
 *            reads it once and neither stats it nor reads to see its end; argv is
 *            qmail-local's eight arguments: user homedir local dash ext domain sender
 *            defaultdelivery
 * response = id:u32 exit:u32 len:u32 byte*len             len at most MAX_REPORT
 *            exit is qmail-local's exit code (0..255), the bytes what it wrote on fds 1 and 2
 * </pre>
 * All numbers big-endian. End of input on the socket: the worker finishes the deliveries in
 * flight and exits 0. The worker runs as the user, so qmail-lspawn trusts none of its
 * responses: {@link #readResponse} bounds and checks every field, and anything else is a
 * {@link BadFrame} (qmail-lspawn then kills the worker).
 */
public final class WorkerProtocol {
    /** Longest request packet: eight arguments (addresses, paths). */
    public static final int MAX_REQUEST = 65536;
    /** Longest report in a response; a worker keeps only this much ({@link Report.Buffer}). */
    public static final int MAX_REPORT = Report.Buffer.MAX;

    /** One delivery: {@code size} is the message's length in bytes. */
    public record Request(int id, long size, LocalRequest request) {
    }

    public record Response(int id, int exit, byte[] report) {
    }

    /** A response that breaks the protocol: the worker is not to be trusted any more. */
    public static final class BadFrame extends IOException {
        public BadFrame(String message) {
            super(message);
        }
    }

    private WorkerProtocol() {
    }

    /** The request packet; IOException if it would exceed {@link #MAX_REQUEST}. */
    public static byte[] encode(Request r) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(256);
        DataOutputStream out = new DataOutputStream(b);
        out.writeInt(r.id());
        out.writeLong(r.size());
        List<String> args = r.request().args();
        out.writeInt(args.size());
        for (String a : args) {
            byte[] x = a.getBytes(StandardCharsets.ISO_8859_1);
            out.writeInt(x.length);
            out.write(x);
        }
        if (b.size() > MAX_REQUEST) throw new IOException("worker request of " + b.size() + " bytes");
        return b.toByteArray();
    }

    /** Parses one request packet of {@code len} bytes; IOException if it is malformed. */
    public static Request decode(byte[] packet, int len) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(packet, 0, len);
        try {
            int id = in.getInt();
            long size = in.getLong();
            if (size < 0) throw new IOException("bad worker request: size " + size);
            int argc = in.getInt();
            if (argc != 8) throw new IOException("bad worker request: " + argc + " arguments");
            List<String> args = new ArrayList<>(argc);
            for (int i = 0; i < argc; i++) {
                int n = in.getInt();
                if (n < 0 || n > in.remaining()) throw new IOException("bad worker request: argument length " + n);
                args.add(new String(packet, in.position(), n, StandardCharsets.ISO_8859_1));
                in.position(in.position() + n);
            }
            if (in.hasRemaining()) throw new IOException("bad worker request: trailing bytes");
            return new Request(id, size, new LocalRequest(args.get(0), args.get(1), args.get(2), args.get(3),
                    args.get(4), args.get(5), args.get(6), args.get(7), true));
        } catch (java.nio.BufferUnderflowException e) {
            throw new IOException("bad worker request: cut short");
        }
    }

    /** Writes one response, its report cut to {@link #MAX_REPORT} bytes. */
    public static void write(DataOutputStream out, Response r) throws IOException {
        int n = Math.min(r.report().length, MAX_REPORT);
        out.writeInt(r.id());
        out.writeInt(r.exit());
        out.writeInt(n);
        out.write(r.report(), 0, n);
        out.flush();
    }

    /**
     * Reads one response: null at a clean end of input; EOFException if the input ends inside
     * one; {@link BadFrame} for an exit code outside 0..255 or a report longer than
     * {@link #MAX_REPORT} (nothing is allocated for it).
     */
    public static Response readResponse(DataInputStream in) throws IOException {
        int id;
        try {
            id = in.readInt();
        } catch (EOFException e) {
            return null;
        }
        int exit = in.readInt();
        if (exit < 0 || exit > 255) throw new BadFrame("exit code " + exit);
        int n = in.readInt();
        if (n < 0 || n > MAX_REPORT) throw new BadFrame("report of " + Integer.toUnsignedString(n) + " bytes");
        byte[] b = in.readNBytes(n);
        if (b.length != n) throw new EOFException("worker response cut short");
        return new Response(id, exit, b);
    }
}
