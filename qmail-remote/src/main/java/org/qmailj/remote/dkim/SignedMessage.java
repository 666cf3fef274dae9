package org.qmailj.remote.dkim;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.function.LongSupplier;
import org.qmailj.remote.MessageSource;

/**
 * The message as qmail-remote sends it: the DKIM-Signature fields, then the message. The
 * signature is made when the message is first opened (after the server has said 354, so a
 * host that is down costs no pass over the message), in a pass of its own, then kept for
 * further attempts of the same delivery; the message itself is read again to be sent. A
 * message that cannot be read twice (a pipe on descriptor 0), or cannot be signed, goes out
 * as it is, and a line on stderr (qmail-rspawn's, that is the log) says why; a message from
 * a domain without a key is not worth a line.
 */
public final class SignedMessage implements MessageSource {
    private static volatile boolean quiet;

    private final MessageSource message;
    private final DkimKeys keys;
    private final LongSupplier clock;
    private DkimSigner.Result result;

    public SignedMessage(MessageSource message, DkimKeys keys, LongSupplier clock) {
        this.message = message;
        this.keys = keys;
        this.clock = clock;
    }

    /** Wraps a message for signing, or returns it as it is when there are no keys at all. */
    public static MessageSource of(MessageSource message, DkimKeys keys) {
        if (keys.isEmpty()) return message;
        return new SignedMessage(message, keys, () -> System.currentTimeMillis() / 1000);
    }

    /**
     * For bin/qmail-remote: say nothing on descriptor 2, which may be the report pipe (qmail
     * programs that run qmail-remote read its output and errors together).
     */
    public static void quiet() {
        quiet = true;
    }

    @Override
    public synchronized InputStream open() throws IOException {
        if (result == null) result = sign();
        if (!result.signed()) return message.open();
        return new SequenceInputStream(new ByteArrayInputStream(result.fields().getBytes(StandardCharsets.ISO_8859_1)),
                message.open());
    }

    @Override
    public boolean has8bit() throws IOException {
        return message.has8bit();
    }

    @Override
    public boolean rereadable() {
        return message.rereadable();
    }

    /** The unsigned message's: SIZE= is declared before the signature exists (about 0.5 KB a key). */
    @Override
    public long size() throws IOException {
        return message.size();
    }

    /** What signing did (null before the first open): for the log and the tests. */
    public synchronized DkimSigner.Result result() {
        return result;
    }

    private DkimSigner.Result sign() throws IOException {
        DkimSigner.Result r;
        if (!message.rereadable()) {
            r = new DkimSigner.Result("", "not signed: the message cannot be read twice (a pipe)");
        } else {
            MessageScan scan;
            try (InputStream in = message.open()) {
                scan = MessageScan.of(in);
            }
            try {
                r = DkimSigner.sign(scan, keys, clock.getAsLong());
            } catch (GeneralSecurityException e) {
                r = new DkimSigner.Result("", "not signed: " + e);
            } finally {
                scan.release();
            }
        }
        if (!r.signed() && !quiet && !r.summary().startsWith("not signed: no key for"))
            System.err.print("qmail-remote: warning: DKIM " + r.summary() + "\n");
        return r;
    }
}
