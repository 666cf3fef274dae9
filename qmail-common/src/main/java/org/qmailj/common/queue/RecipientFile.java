package org.qmailj.common.queue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code local/S/N} and {@code remote/S/N}: one record per recipient, {@code T}address{@code \0}
 * while NOT DONE; marking it DONE overwrites the {@code T} in place with {@code D}
 * (INTERNALS.md section 5). In-place marking is what makes the state crash-safe: one byte,
 * one write ({@link #markDone}: then fsync; {@link #mark}: as qmail-send's markdone, no fsync).
 */
public final class RecipientFile {

    /** One recipient and the offset of its tag byte. */
    public record Entry(long offset, boolean done, String address) {}

    private RecipientFile() {}

    public static byte[] encode(List<String> addresses) {
        var out = new java.io.ByteArrayOutputStream();
        for (String a : addresses) Envelope.record(out, 'T', a);
        return out.toByteArray();
    }

    public static List<Entry> decode(byte[] data) throws IOException {
        List<Entry> entries = new ArrayList<>();
        for (Text0 r : Text0.split(data, "recipient")) {
            if (r.tag() != 'T' && r.tag() != 'D') throw new IOException("unknown record type " + (char) r.tag());
            entries.add(new Entry(r.offset(), r.tag() == 'D', r.value()));
        }
        return entries;
    }

    /** Marks the recipient at {@code offset} DONE and forces it to disk. */
    public static void markDone(Path file, long offset) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {'D'}), offset);
            ch.force(false);
        }
    }

    /**
     * Marks the recipient at {@code offset} DONE without forcing it to disk, as qmail-send's
     * markdone does: the byte is in the page cache, so a killed process loses nothing; only a
     * power cut before the kernel writes it back can bring the T back, and then the recipient
     * is delivered twice (qmail's "message will be delivered twice"), never lost.
     */
    public static void mark(Path file, long offset) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {'D'}), offset);
        }
    }
}
