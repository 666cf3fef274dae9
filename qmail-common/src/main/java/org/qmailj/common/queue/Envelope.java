package org.qmailj.common.queue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The envelope qmail-queue reads on descriptor 1: {@code F}sender{@code \0}, then
 * {@code T}recipient{@code \0} for each recipient, then one more {@code \0}
 * (qmail-queue(8)). Addresses are bytes; they are kept as ISO-8859-1 strings so that every
 * byte survives a round trip.
 *
 * <p>Parsing is strict, as qmail-queue is: end of input before the final {@code \0} is
 * {@link QueueExit#READ_ERROR} (nothing is queued), a first record other than {@code F} or a
 * later one other than {@code T} is {@link QueueExit#ENVELOPE_FORMAT}, and an address that
 * does not fit in {@link #MAX_ADDRESS} bytes with its NUL (1003 bytes or more) is
 * {@link QueueExit#ADDRESS_TOO_LONG}, as qmail-queue.c's {@code len >= ADDR} check.
 */
public record Envelope(String sender, List<String> recipients) {

    /** qmail-queue.c's ADDR: an address and its NUL fit in this many bytes, or exit 11. */
    public static final int MAX_ADDRESS = 1003;

    public Envelope {
        recipients = List.copyOf(recipients);
    }

    public byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        record(out, 'F', sender);
        for (String r : recipients) record(out, 'T', r);
        out.write(0);
        return out.toByteArray();
    }

    /** Reads exactly one envelope from {@code in}, consuming nothing after its final NUL. */
    public static Envelope read(InputStream in) throws IOException {
        String[] sender = {null};
        List<String> recipients = new ArrayList<>();
        stream(in, (tag, address, length) -> {
            String a = new String(address, 0, length, StandardCharsets.ISO_8859_1);
            if (tag == 'F') sender[0] = a; else recipients.add(a);
        });
        return new Envelope(sender[0], recipients);
    }

    /** Takes the records of an envelope one at a time, as {@link #stream} reads them. */
    @FunctionalInterface
    public interface RecordSink {
        /** {@code tag} is 'F' or 'T'; the address is {@code address[0..length)}, reused for the next record. */
        void record(int tag, byte[] address, int length) throws IOException;
    }

    /**
     * Reads exactly one envelope from {@code in}, handing each record to {@code sink} as soon as
     * its NUL arrives, so memory stays at one address whatever the number of recipients (the
     * queue writer copies records straight into intd/N, as qmail-queue does). The checks and
     * exit codes are {@link #read}'s. Returns the number of recipients.
     */
    public static long stream(InputStream in, RecordSink sink) throws IOException {
        boolean haveSender = false;
        long recipients = 0;
        byte[] buf = new byte[MAX_ADDRESS];
        while (true) {
            int tag = in.read();
            if (tag < 0) throw new EnvelopeFormatException(QueueExit.READ_ERROR, "envelope ended early");
            if (tag == 0) {
                if (!haveSender) throw new EnvelopeFormatException(QueueExit.ENVELOPE_FORMAT, "envelope has no F record");
                return recipients;
            }
            if (haveSender ? tag != 'T' : tag != 'F') {
                throw new EnvelopeFormatException(QueueExit.ENVELOPE_FORMAT,
                        "unexpected envelope record '" + (char) tag + "'");
            }
            int len = 0;
            while (true) {
                int c = in.read();
                if (c < 0) throw new EnvelopeFormatException(QueueExit.READ_ERROR, "envelope ended inside an address");
                if (c == 0) break;
                if (len >= MAX_ADDRESS - 1) {
                    throw new EnvelopeFormatException(QueueExit.ADDRESS_TOO_LONG,
                            "address of " + MAX_ADDRESS + " bytes or more");
                }
                buf[len++] = (byte) c;
            }
            sink.record(tag, buf, len);
            if (haveSender) recipients++;
            haveSender = true;
        }
    }

    static void record(ByteArrayOutputStream out, char tag, String value) {
        out.write(tag);
        out.writeBytes(value.getBytes(StandardCharsets.ISO_8859_1));
        out.write(0);
    }
}
