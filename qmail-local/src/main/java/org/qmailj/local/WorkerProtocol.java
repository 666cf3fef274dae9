package org.qmailj.local;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The pipe protocol between qmail-lspawn and a warm qmail-local worker ({@link LocalWorker}).
 * The worker reads requests on its fd 0 and writes responses on its fd 1; several deliveries
 * may be in flight at once and responses come back in any order, matched by id.
 *
 * <pre>
 * request  = id:u32 argc:u32 (len:u32 byte*len){argc} msglen:u32 byte*msglen
 *            argv is qmail-local's eight arguments: user homedir local dash ext domain
 *            sender defaultdelivery
 * response = id:u32 exit:u32 len:u32 byte*len
 *            exit is qmail-local's exit code, the bytes what it wrote on fds 1 and 2
 * </pre>
 * All numbers big-endian. End of file on the request pipe: the worker finishes the
 * deliveries in flight and exits 0. A worker that exits with deliveries in flight has not
 * completed them: qmail-lspawn reports them as temporary failures.
 */
public final class WorkerProtocol {
    /** Longest message accepted over the pipe (qmail-send's messages are far smaller). */
    static final int MAX = Integer.MAX_VALUE - 16;

    public record Request(int id, LocalRequest request, byte[] message) {
    }

    public record Response(int id, int exit, byte[] report) {
    }

    private WorkerProtocol() {
    }

    public static void write(DataOutputStream out, Request r) throws IOException {
        out.writeInt(r.id());
        List<String> args = r.request().args();
        out.writeInt(args.size());
        for (String a : args) bytes(out, a.getBytes(StandardCharsets.ISO_8859_1));
        bytes(out, r.message());
        out.flush();
    }

    /** Null at a clean end of file before a request. */
    public static Request readRequest(DataInputStream in) throws IOException {
        int id;
        try {
            id = in.readInt();
        } catch (EOFException e) {
            return null;
        }
        int argc = in.readInt();
        if (argc != 8) throw new IOException("bad worker request: " + argc + " arguments");
        List<String> args = new ArrayList<>(argc);
        for (int i = 0; i < argc; i++) args.add(new String(bytes(in), StandardCharsets.ISO_8859_1));
        byte[] msg = bytes(in);
        LocalRequest req = new LocalRequest(args.get(0), args.get(1), args.get(2), args.get(3),
                args.get(4), args.get(5), args.get(6), args.get(7), true);
        return new Request(id, req, msg);
    }

    public static void write(DataOutputStream out, Response r) throws IOException {
        out.writeInt(r.id());
        out.writeInt(r.exit());
        bytes(out, r.report());
        out.flush();
    }

    /** Null at a clean end of file before a response. */
    public static Response readResponse(DataInputStream in) throws IOException {
        int id;
        try {
            id = in.readInt();
        } catch (EOFException e) {
            return null;
        }
        int exit = in.readInt();
        return new Response(id, exit, bytes(in));
    }

    private static void bytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }

    private static byte[] bytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX) throw new IOException("bad worker frame length " + n);
        byte[] b = in.readNBytes(n);
        if (b.length != n) throw new EOFException("worker frame cut short");
        return b;
    }
}
